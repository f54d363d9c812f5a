import { isGatewayError, type GatewayError } from '../kernel/errors.js';
import { classifyThrown, outcomeError } from './outcome.js';

/**
 * Turns whatever a request threw (undici error, socket error, abort) into a GatewayError; what it
 * means is its row in outcome.ts. Messages name the failure kind only: never URLs, headers or bodies.
 */
export function toUpstreamError(error: unknown, signal?: AbortSignal): GatewayError {
  if (isGatewayError(error)) return error;
  const kind = classifyThrown(error, signal);
  // The caller gave up (deadline, disconnect), possibly before the attempt was even sent.
  if (kind === 'deadline') return outcomeError(kind, 'The request deadline passed while waiting for C1', { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (kind === 'attemptTimedOut') return outcomeError(kind, `C1 did not answer in time (${String(code)})`, { cause: error });
  return outcomeError(kind, `Could not reach C1 (${typeof code === 'string' ? code : 'network error'})`, { cause: error });
}
