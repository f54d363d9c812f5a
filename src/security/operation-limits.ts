import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import type { GraphQLError, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Shape limits on every operation, checked while parsing and validating: before a resolver runs,
 * so a hostile document costs CPU only, never an upstream call. graphql-armor is a maintained set
 * of exactly these envelop rules; only the error shape is ours (a stable code per limit).
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

const limitError = (reason: LimitReason, armorError: GraphQLError) =>
  // armor prefixes every message with "Syntax Error: ", which these are not.
  createGraphQLError(armorError.message.replace(/^Syntax Error:\s*/, ''), {
    extensions: { code: 'BAD_USER_INPUT', reason },
  });

/** Validation rules report into the validation context, so every broken limit is listed at once. */
const reportAs = (reason: LimitReason) => ({
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(limitError(reason, error))],
});

export function useOperationLimits(limits: OperationLimits): Plugin {
  const config: GraphQLArmorConfig = {
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...reportAs(LIMIT_REASONS.depth) },
    // armor exempts `__typename` aliases by default; each is still a field to resolve and
    // serialise, so 500 of them must not pass a limit of 100.
    maxAliases: { n: limits.maxAliases, allowList: [], ...reportAs(LIMIT_REASONS.aliases) },
    maxDirectives: { n: limits.maxDirectives, ...reportAs(LIMIT_REASONS.directives) },
    maxTokens: {
      n: limits.maxTokens,
      // The token count runs inside the parser, where there is no validation context: throw.
      propagateOnRejection: false,
      onReject: [
        (_ctx, error) => {
          throw limitError(LIMIT_REASONS.tokens, error);
        },
      ],
    },
    // The gateway's real cost is upstream fetches, which the fan-out cap counts exactly; armor's
    // generic field-cost heuristic would only add a second, less meaningful budget.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
  };
  return EnvelopArmorPlugin(config) as Plugin;
}
