import { GraphQLError } from 'graphql';
import { isGatewayError, type GatewayError } from '../kernel/errors.js';

function toGraphQLError(error: GatewayError, original?: GraphQLError): GraphQLError {
  return withLocations(new GraphQLError(error.message, { ...locationOf(original), extensions: extensionsOf(error) }), original);
}

/** The caller's own budget says when to come back, in whole seconds like HTTP's `Retry-After`. */
function extensionsOf(error: GatewayError): Record<string, unknown> {
  const base = error.reason === undefined ? { code: error.code } : { code: error.code, reason: error.reason };
  if (error.code !== 'RATE_LIMITED') return base;
  return { ...base, retryAfter: Math.max(1, Math.ceil((error.retryAfterMs ?? 1_000) / 1_000)) };
}

/**
 * graphql-jit (see jit.ts) reports where an error happened as `locations` without AST nodes, which
 * the GraphQLError constructor cannot take: copied over, so a compiled document's errors point
 * where the standard executor's do.
 */
function withLocations(error: GraphQLError, original: GraphQLError | undefined): GraphQLError {
  if (error.locations === undefined && original?.locations !== undefined) {
    Object.defineProperty(error, 'locations', { value: original.locations, enumerable: true });
  }
  return error;
}

function locationOf(original: GraphQLError | undefined) {
  return {
    nodes: original?.nodes ?? null,
    positions: original?.positions ?? null,
    path: original?.path ?? null,
  };
}

export interface MaskOptions {
  /** Called with the cause of every error that is masked and what the client gets instead, so it is logged once. */
  onUnexpected: (cause: unknown, masked: GraphQLError) => void;
}

/**
 * The single place where errors become what clients see. Typed gateway errors keep their message
 * and get a stable `extensions.code`; GraphQL errors with a code pass; anything else is masked.
 */
export function createMaskError(options: MaskOptions) {
  return (error: unknown, message: string): Error => {
    const original = isGraphQLErrorLike(error) ? error : undefined;
    const cause = rootCause(error);
    if (isGatewayError(cause)) return toGraphQLError(cause, original);
    // (graphql-jit's errors may have no extensions at all.)
    if (isGraphQLErrorLike(cause) && typeof cause.extensions?.['code'] === 'string') return cause;
    if (original && original.originalError === undefined) return original; // parse/validation errors
    const masked = withLocations(new GraphQLError(message, { ...locationOf(original), extensions: { code: 'INTERNAL_SERVER_ERROR' } }), original);
    options.onUnexpected(cause, masked);
    return masked;
  };
}

/** graphql-js and the executor may wrap an error more than once (located errors); find the thrower's. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError != null) current = current.originalError;
  return current;
}

/**
 * Duck-typed on purpose: @apollo/subgraph loads graphql's CommonJS build and Yoga its ESM build, so
 * an error may come from either copy of the GraphQLError class and `instanceof` cannot be trusted.
 */
function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError' && 'extensions' in error;
}
