import {
  Lexer,
  Source,
  TokenKind,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/** @default 1000 — valid shapes remembered (least recently used go first). */
export const SHAPE_CACHE_ENTRIES = 1000;
/** @default 4 MiB — characters of shape keys remembered, whatever their number. */
export const SHAPE_CACHE_CHARS = 4 * 1024 * 1024;
/** Documents longer than this are validated every time: a shape is kept only for what pays. */
export const MAX_SHAPE_SOURCE_CHARS = 16 * 1024;

export interface ShapeValidationOptions {
  /** Called when validation is skipped because the document's shape is known valid (tests, metrics). */
  onHit?: () => void;
}

/**
 * The shape of a document: its source with every string literal replaced by a marker that keeps
 * only its kind (quoted or block) and which literals were equal. Two documents that differ only in
 * their string literals' values, with the same ones equal, have the same shape. A document without
 * string literals has no shape worth keeping (Yoga's own cache, by the whole source, covers it).
 * Comments and spacing are kept verbatim: the shape is a cache key, not a normal form.
 */
export function documentShape(body: string): string | undefined {
  const lexer = new Lexer(new Source(body));
  const classes = new Map<string, number>();
  let shape = '';
  let last = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (token.kind !== TokenKind.STRING && token.kind !== TokenKind.BLOCK_STRING) continue;
    const kind = token.kind === TokenKind.STRING ? 'S' : 'B';
    const key = kind + (token.value ?? '');
    let index = classes.get(key);
    if (index === undefined) {
      index = classes.size;
      classes.set(key, index);
    }
    // U+0001 cannot appear in a GraphQL document outside a string, so no source text can fake a marker.
    shape += `${body.slice(last, token.start)}\u0001${kind}${index}\u0001`;
    last = token.end;
  }
  return classes.size === 0 ? undefined : shape + body.slice(last);
}

/**
 * Validates a document once per shape instead of once per source: a client that writes its ids
 * into the document (`personalClient(id: "…")`) sends a new document on every request, and
 * graphql-js validation of even a one-field query cost ~500 µs here, more than the rest of a cold
 * request. Sound because, for a valid document, no validation rule looks at a string literal's
 * value when the literal stands where a String or an ID goes: such a literal is a valid value
 * there whatever it says, and the one rule that compares arguments (fields that can be merged)
 * only asks which are equal, which the shape keeps. So a shape is remembered only after a
 * validation that found no error and saw every string literal at a String or ID position; a
 * literal anywhere else (a custom scalar, an enum, an Int) keeps the document validated every time.
 * Errors are never cached: their messages quote the literals. The key also names the rules
 * (introspection may be off per request) and the schema (inline traces validate against their own).
 * Register it after every plugin that adds validation rules.
 */
export function useShapeValidationCache(options: ShapeValidationOptions = {}): Plugin {
  const bySchema = new WeakMap<GraphQLSchema, LRUCache<string, true>>();
  const cacheFor = (schema: GraphQLSchema) => {
    let cache = bySchema.get(schema);
    if (cache === undefined) {
      cache = new LRUCache<string, true>({ max: SHAPE_CACHE_ENTRIES, maxSize: SHAPE_CACHE_CHARS, sizeCalculation: (_v, key) => key.length });
      bySchema.set(schema, cache);
    }
    return cache;
  };
  // Each parsed document is looked at once: Yoga keeps a document per source and validates it once
  // itself, so a document seen again (a hot request) costs this plugin one WeakSet lookup.
  const looked = new WeakSet<DocumentNode>();
  return {
    onValidate({ params: { schema, documentAST, rules }, addValidationRule, setResult }) {
      if (looked.has(documentAST)) return;
      looked.add(documentAST);
      const body = documentAST.loc?.source.body;
      if (body === undefined || body.length > MAX_SHAPE_SOURCE_CHARS) return;
      const shape = documentShape(body);
      if (shape === undefined) return;
      const key = `${(rules ?? []).map((rule: ValidationRule) => rule.name).join(',')}\u0002${shape}`;
      const cache = cacheFor(schema);
      if (cache.get(key) === true) {
        options.onHit?.();
        setResult([]);
        return;
      }
      const literals = { seen: false, onlyStringOrId: true };
      addValidationRule(stringLiteralPositions(literals));
      return ({ valid }) => {
        // `seen` stays false when another cache answered without running the rules.
        if (valid && literals.seen && literals.onlyStringOrId) cache.set(key, true);
      };
    },
  };
}

/** A rule that reports nothing: it notes whether every string literal stands where a String or an ID goes. */
function stringLiteralPositions(literals: { seen: boolean; onlyStringOrId: boolean }): ValidationRule {
  return function ShapeStringLiteralPositions(context) {
    literals.seen = true;
    return {
      StringValue() {
        if (!isStringOrId(context.getInputType())) literals.onlyStringOrId = false;
      },
    };
  };
}

/**
 * By name, unwrapping lists and non-null by hand: the schema may come from a CommonJS copy of
 * graphql, whose types graphql's own `getNamedType` refuses. A schema cannot define its own String
 * or ID, so the name is the built-in scalar.
 */
function isStringOrId(type: GraphQLInputType | null | undefined): boolean {
  let named: { name?: string; ofType?: unknown } | null | undefined = type;
  while (named?.ofType != null) named = named.ofType as typeof named;
  return named?.name === 'String' || named?.name === 'ID';
}
