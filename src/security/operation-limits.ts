import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import type { DocumentNode, GraphQLError, ParseOptions, Source, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Shape limits on every operation, checked while parsing and validating: before a resolver runs,
 * so a hostile document costs CPU only, never an upstream call. graphql-armor is a maintained set
 * of exactly these envelop rules; only the error shape is ours (a stable code per limit), and the
 * token count is graphql-js's own (see useTokenLimit).
 */
export interface OperationLimits {
  /** Deepest selection (LIMIT_MAX_DEPTH); introspection's `__schema` is exempt (GraphiQL needs it). */
  maxDepth: number;
  /** Aliases in one operation, fragments included (LIMIT_MAX_ALIASES). */
  maxAliases: number;
  /** Lexical tokens in the document (LIMIT_MAX_TOKENS); checked while parsing, so it bounds parse work. */
  maxTokens: number;
  /** Directives in one operation (LIMIT_MAX_DIRECTIVES). */
  maxDirectives: number;
  /** Hide "Did you mean …?" in validation errors: they map the schema for a prober. */
  blockFieldSuggestions: boolean;
}

/**
 * `extensions.reason` of each limit. The code itself is BAD_USER_INPUT, as for every other request
 * the client must change (graphql-armor's Apollo integration uses the same code).
 */
export const LIMIT_REASONS = {
  depth: 'MAX_DEPTH_EXCEEDED',
  aliases: 'MAX_ALIASES_EXCEEDED',
  tokens: 'MAX_TOKENS_EXCEEDED',
  directives: 'MAX_DIRECTIVES_EXCEEDED',
} as const;

type LimitReason = (typeof LIMIT_REASONS)[keyof typeof LIMIT_REASONS];

const limitError = (reason: LimitReason, message: string) =>
  // armor prefixes every message with "Syntax Error: ", which these are not.
  createGraphQLError(message.replace(/^Syntax Error:\s*/, ''), {
    extensions: { code: 'BAD_USER_INPUT', reason },
  });

/** Validation rules report into the validation context, so every broken limit is listed at once. */
const reportAs = (reason: LimitReason) => ({
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(limitError(reason, error.message))],
});

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  const config: GraphQLArmorConfig = {
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...reportAs(LIMIT_REASONS.depth) },
    // armor exempts `__typename` aliases by default; each is still a field to resolve and
    // serialise, so 500 of them must not pass a limit of 100.
    maxAliases: { n: limits.maxAliases, allowList: [], ...reportAs(LIMIT_REASONS.aliases) },
    maxDirectives: { n: limits.maxDirectives, ...reportAs(LIMIT_REASONS.directives) },
    // Counted by graphql-js's own parser instead: see useTokenLimit.
    maxTokens: { enabled: false },
    // The gateway's real cost is upstream fetches, which the fan-out cap counts exactly; armor's
    // generic field-cost heuristic would only add a second, less meaningful budget.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
  };
  return [useTokenLimit(limits.maxTokens), EnvelopArmorPlugin(config) as Plugin];
}

/** What graphql-js says when a document has more than `maxTokens` tokens ("more that" in 16.x). */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more th[ae][nt] \d+ tokens/;
/** V8's message when the call stack runs out. */
const STACK_EXHAUSTED = /call stack/i;

/**
 * The token limit, counted while parsing, so it bounds parse work. graphql-js counts the tokens
 * itself (its `maxTokens` parse option); armor's version of this limit wraps the lexer in a Proxy,
 * which made every parse 2-3× slower (a 100-alias document: 2.7 → 0.9 ms). The error is the one
 * armor gave: the same message, code and reason, without a location. It parses with the parse
 * function it is given, not one of its own import: that is the graphql copy whose errors Yoga
 * recognises (a syntax error keeps its location and GRAPHQL_PARSE_FAILED).
 */
export function useTokenLimit(maxTokens: number): Plugin {
  type Parse = (source: string | Source, options?: ParseOptions) => DocumentNode;
  const limited = new WeakMap<Parse, Parse>();
  const withLimit = (parse: Parse): Parse => (source, options) => {
    try {
      return parse(source, { ...options, maxTokens });
    } catch (error) {
      if (error instanceof Error && TOO_MANY_TOKENS.test(error.message)) {
        throw limitError(LIMIT_REASONS.tokens, `Token limit of ${maxTokens} exceeded.`);
      }
      // graphql-js parses nested lists, objects and selections by recursion, and counts a token only
      // once it is consumed: `[[[[…` (2 tokens a level) reaches the token limit only after as many
      // levels, and below it the stack can run out first (from ~1,500 levels, depending on how warm
      // the parser is). That is the caller's document, not a fault of ours.
      if (error instanceof RangeError && STACK_EXHAUSTED.test(error.message)) {
        throw limitError(LIMIT_REASONS.depth, 'The document nests too deeply to parse.');
      }
      throw error;
    }
  };
  return {
    onParse({ parseFn, setParseFn }) {
      let parse = limited.get(parseFn);
      if (parse === undefined) {
        parse = withLimit(parseFn);
        limited.set(parseFn, parse);
      }
      setParseFn(parse);
    },
  };
}
