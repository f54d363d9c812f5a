import {
  Kind,
  Lexer,
  Source,
  TokenKind,
  parse,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
  type VariableDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/** @default 1000 — valid shapes remembered (least recently used go first). */
export const SHAPE_CACHE_ENTRIES = 1000;
/** @default 4 MiB — characters of shape keys remembered, whatever their number. */
export const SHAPE_CACHE_CHARS = 4 * 1024 * 1024;
/** @default 500 — shapes kept parsed as a template. */
export const TEMPLATE_ENTRIES = 500;
/**
 * @default 256 Ki — characters of templates' sources kept. A parsed document takes about 50 bytes of
 * heap per character of its source (measured with locations, as Yoga parses), so this is ~13 MB at most.
 */
export const TEMPLATE_CHARS = 256 * 1024;
/** Documents longer than this are parsed and validated every time: a shape is kept only for what pays. */
export const MAX_SHAPE_SOURCE_CHARS = 16 * 1024;
/** @default 1,024 — documents Yoga keeps parsed by their whole source, as its own default. */
export const PARSED_DOCUMENTS = 1024;

/** A document's shape, and what its string literals say. */
export interface DocumentShape {
  /**
   * The source with each string literal replaced by a marker that keeps its kind (quoted or block),
   * which literals were equal, and its length in the source.
   */
  key: string;
  /** Each equality class's value, the class's number as index. */
  values: string[];
  /** For each string literal, in source order: its class, start and end offsets. */
  literals: number[];
}

/**
 * The shape of a document. Two documents that differ only in their string literals' values, with
 * the same ones equal and each as long, have the same shape, and every other token of theirs at
 * the same offset. A document without string literals has no shape worth keeping (Yoga's own
 * cache, by the whole source, covers it). Comments and spacing are kept verbatim: the shape is a
 * cache key, not a normal form.
 */
export function documentShape(body: string, maxTokens = Infinity): DocumentShape | undefined {
  try {
    return shapeOf(body, maxTokens);
  } catch {
    // Not even lexable (an unterminated string, a bad escape): the parser reports where, as for any document.
    return undefined;
  }
}

function shapeOf(body: string, maxTokens: number): DocumentShape | undefined {
  const lexer = new Lexer(new Source(body));
  let tokens = 0;
  const classes = new Map<string, number>();
  const values: string[] = [];
  const literals: number[] = [];
  let key = '';
  let last = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    // A document past the token limit is refused while parsing: lexing it whole here would only add work.
    if ((tokens += 1) > maxTokens) return undefined;
    if (token.kind !== TokenKind.STRING && token.kind !== TokenKind.BLOCK_STRING) continue;
    const kind = token.kind === TokenKind.STRING ? 'S' : 'B';
    const value = token.value ?? '';
    let index = classes.get(kind + value);
    if (index === undefined) {
      index = values.length;
      classes.set(kind + value, index);
      values.push(value);
    }
    literals.push(index, token.start, token.end);
    // U+0001 cannot appear in a GraphQL document outside a string, so no source text can fake a marker.
    key += `${body.slice(last, token.start)}\u0001${kind}${index}:${token.end - token.start}\u0001`;
    last = token.end;
  }
  return values.length === 0 ? undefined : { key: key + body.slice(last), values, literals };
}

/** What a valid shape's validation saw: each string literal's type, in source order. */
type LiteralTypes = ('ID' | 'String' | undefined)[];

/** A shape parsed once, its string literals made variables: `$_0` for the first class, and so on. */
interface Template {
  document: DocumentNode;
  size: number;
  /** The schema and rules it was found valid under. */
  schema: GraphQLSchema;
  rulesKey: string;
}

export interface DocumentShapesOptions {
  /** Called for a new document not validated, because one of the same shape was (tests, metrics). */
  onValidationSkipped?: () => void;
  /** Called for a new document not parsed either: it ran as its shape's template (tests, metrics). */
  onTemplateUsed?: () => void;
  /** The token limit parsing enforces (LIMIT_MAX_TOKENS): a longer document is not read for its shape. @default no limit */
  maxTokens?: number;
}

export interface DocumentShapes {
  /** Register after every plugin that adds validation rules or sets the request's query. */
  plugin: Plugin;
  /** Yoga's document cache (`parserAndValidationCache.documentCache`): it never keeps a template under a document's own source. */
  documentCache: { get(source: string): DocumentNode | undefined; set(source: string, document: DocumentNode): void };
}

/**
 * Parses and validates a document once per shape instead of once per source. A client that writes
 * its ids into the document (`personalClient(id: "…")`) sends a new document on every request;
 * parsing, validating and running it on the standard executor cost more than the rest of a cold
 * request.
 *
 * Validation: for a valid document, no validation rule looks at a string literal's value when the
 * literal stands where a String or an ID goes: such a literal is a valid value there whatever it
 * says, and the one rule that compares arguments (fields that can be merged) only asks which are
 * equal, which the shape keeps. So a shape is remembered only after a validation that found no
 * error and saw every string literal at a String or ID position; a literal anywhere else (a custom
 * scalar, an enum, an Int) keeps the document validated every time. Errors are never cached: their
 * messages quote the literals. The key also names the rules (introspection may be off per request)
 * and the schema (inline traces validate against their own).
 *
 * Templates: a shape seen valid a second time becomes a template, its source with each quoted
 * literal of a class replaced by the variable `$_<class>` padded to the literal's length, declared
 * `ID!` or `String!` as the literal's position wants (a non-null variable may stand wherever its
 * type, nullable or not, goes). A document of that shape is then not parsed: it runs as the
 * template, its literals' values passed as those variables, on the template's validation and
 * compiled code. Its answer is the same: the resolvers see the same values (a string coerces to an
 * ID or String alike as a literal and as a variable), and an error's locations are the same,
 * because every token of the template is at the offset of the document's, on the same line. A
 * template is kept only if it is valid under the rules of the request that made it; a shape is not
 * made one when a document has several operations, a class stands for both an ID and a String, a
 * literal is a variable's default or shorter than its variable, a block string, or the document
 * uses a variable named like one of the template's. The template's source holds no literal's
 * value, so nothing read from it can show one request another's ids.
 */
export function createDocumentShapes(options: DocumentShapesOptions = {}): DocumentShapes {
  const bySchema = new WeakMap<GraphQLSchema, LRUCache<string, LiteralTypes>>();
  const validShapes = (schema: GraphQLSchema) => {
    let cache = bySchema.get(schema);
    if (cache === undefined) {
      cache = new LRUCache<string, LiteralTypes>({ max: SHAPE_CACHE_ENTRIES, maxSize: SHAPE_CACHE_CHARS, sizeCalculation: (_v, key) => key.length });
      bySchema.set(schema, cache);
    }
    return cache;
  };
  const templates = new LRUCache<string, Template>({ max: TEMPLATE_ENTRIES, maxSize: TEMPLATE_CHARS, sizeCalculation: (t) => t.size });
  const templateDocuments = new WeakMap<DocumentNode, Template>();
  // Per request (a batched operation has its own context): the template it runs as, or the shape
  // already computed for it, so validation does not lex the document again.
  const assigned = new WeakMap<object, DocumentNode>();
  const computed = new WeakMap<object, DocumentShape>();
  // Each parsed document is looked at once: Yoga keeps a document per source and validates it once
  // itself, so a document seen again (a hot request) costs this plugin one WeakSet lookup.
  const looked = new WeakSet<DocumentNode>();
  const parsed = new LRUCache<string, DocumentNode>({ max: PARSED_DOCUMENTS, ttl: 3_600_000 });

  const plugin: Plugin = {
    onParams({ params, context, setParams }) {
      const { query, variables } = params;
      if (typeof query !== 'string' || query.length > MAX_SHAPE_SOURCE_CHARS || !query.includes('"')) return;
      if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return;
      // A document sent again is in Yoga's cache, parsed and validated: nothing to gain from its shape.
      if (parsed.has(query)) return;
      const shape = documentShape(query, options.maxTokens);
      if (shape === undefined) return;
      const template = templates.get(shape.key);
      if (template === undefined) {
        computed.set(context, shape);
        return;
      }
      const merged: Record<string, unknown> = { ...variables };
      for (const [index, value] of shape.values.entries()) merged[`_${index}`] = value;
      setParams({ ...params, variables: merged });
      assigned.set(context, template.document);
      options.onTemplateUsed?.();
    },
    onParse({ context, setParsedDocument }) {
      const template = assigned.get(context);
      if (template !== undefined) setParsedDocument(template);
    },
    onValidate({ context, params: { schema, documentAST, rules }, validateFn, addValidationRule, setResult }) {
      if (looked.has(documentAST)) return;
      looked.add(documentAST);
      const rulesKey = (rules ?? []).map((rule: ValidationRule) => rule.name).join(',');
      const template = templateDocuments.get(documentAST);
      if (template !== undefined) {
        // Found valid when it was made; under another schema or rules, Yoga validates it as any document.
        if (template.schema === schema && template.rulesKey === rulesKey) setResult([]);
        return;
      }
      const body = documentAST.loc?.source.body;
      if (body === undefined || body.length > MAX_SHAPE_SOURCE_CHARS) return;
      const shape = computed.get(context) ?? documentShape(body, options.maxTokens);
      if (shape === undefined) return;
      const key = `${rulesKey}\u0002${shape.key}`;
      const cache = validShapes(schema);
      const types = cache.get(key);
      if (types !== undefined) {
        options.onValidationSkipped?.();
        setResult([]);
        if (!templates.has(shape.key)) {
          const template = templateOf(body, shape, types, documentAST, { schema, rulesKey });
          if (template !== undefined && validateFn(schema, template.document, rules).length === 0) {
            templateDocuments.set(template.document, template);
            templates.set(shape.key, template);
          }
        }
        return;
      }
      const literals = { seen: false, onlyStringOrId: true, types: [] as LiteralTypes };
      addValidationRule(stringLiteralPositions(literals));
      return ({ valid }) => {
        // `seen` stays false when another cache answered without running the rules.
        if (valid && literals.seen && literals.onlyStringOrId) cache.set(key, literals.types);
      };
    },
  };
  return {
    plugin,
    documentCache: {
      get: (source) => parsed.get(source),
      set(source, document) {
        if (!templateDocuments.has(document)) parsed.set(source, document);
      },
    },
  };
}

/** The template of a document's shape, or undefined where the shape cannot have one (see createDocumentShapes). */
function templateOf(
  body: string,
  shape: DocumentShape,
  types: LiteralTypes,
  document: DocumentNode,
  validFor: { schema: GraphQLSchema; rulesKey: string },
): Template | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || operation === undefined || types.length * 3 !== shape.literals.length) return undefined;
  const classTypes: ('ID' | 'String')[] = [];
  let text = '';
  let last = 0;
  for (let i = 0; i < types.length; i += 1) {
    const [index, start, end] = [shape.literals[3 * i]!, shape.literals[3 * i + 1]!, shape.literals[3 * i + 2]!];
    const type = types[i];
    const variable = `$_${index}`;
    if (type === undefined || body[start + 1] === '"' || end - start < variable.length) return undefined;
    if ((classTypes[index] ??= type) !== type) return undefined;
    text += body.slice(last, start) + variable.padEnd(end - start);
    last = end;
  }
  text += body.slice(last);
  const own = new Set(operation.variableDefinitions?.map((d) => d.variable.name.value));
  if (classTypes.some((_t, index) => own.has(`_${index}`))) return undefined;
  let parsed: DocumentNode;
  try {
    parsed = parse(text);
  } catch {
    return undefined;
  }
  const declared: VariableDefinitionNode[] = classTypes.map((type, index) => ({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: `_${index}` } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type } } },
    directives: [],
  }));
  const definitions = parsed.definitions.map((d) =>
    d.kind === Kind.OPERATION_DEFINITION ? { ...d, variableDefinitions: [...(d.variableDefinitions ?? []), ...declared] } : d,
  );
  return { document: { ...parsed, definitions }, size: body.length, ...validFor };
}

/**
 * A rule that reports nothing: it notes whether every string literal stands where a String or an
 * ID goes, and which of the two each wants where a variable could stand instead (not a default).
 */
function stringLiteralPositions(literals: { seen: boolean; onlyStringOrId: boolean; types: LiteralTypes }): ValidationRule {
  return function ShapeStringLiteralPositions(context) {
    literals.seen = true;
    let inDefault = 0;
    const visitor: ASTVisitor = {
      VariableDefinition: { enter: () => void (inDefault += 1), leave: () => void (inDefault -= 1) },
      StringValue() {
        const name = namedInput(context.getInputType());
        if (name !== 'String' && name !== 'ID') literals.onlyStringOrId = false;
        literals.types.push(inDefault > 0 || (name !== 'String' && name !== 'ID') ? undefined : name);
      },
    };
    return visitor;
  };
}

/**
 * By name, unwrapping lists and non-null by hand: the schema may come from a CommonJS copy of
 * graphql, whose types graphql's own `getNamedType` refuses. A schema cannot define its own String
 * or ID, so the name is the built-in scalar.
 */
function namedInput(type: GraphQLInputType | null | undefined): string | undefined {
  let named: { name?: string; ofType?: unknown } | null | undefined = type;
  while (named?.ofType != null) named = named.ofType as typeof named;
  return named?.name;
}
