import { GatewayError, isGatewayError } from '../kernel/errors.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Turns whatever a request threw (undici error, socket error, abort) into a GatewayError. An abort
 * of `signal` is the caller's doing (origin `gateway`); undici's own timeouts, refusals and resets
 * are C1's (origin `upstream`).
 * Messages name the failure kind only: never URLs, headers or bodies.
 */
export function toUpstreamError(error: unknown, signal?: AbortSignal): GatewayError {
  if (isGatewayError(error)) return error;
  if (signal?.aborted) {
    // The caller gave up (deadline, disconnect), possibly before the attempt was even sent.
    return new GatewayError('UPSTREAM_TIMEOUT', 'The request deadline passed while waiting for C1', { cause: error, origin: 'gateway' });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new GatewayError('UPSTREAM_TIMEOUT', `C1 did not answer in time (${code})`, { cause: error, retryable: true });
  }
  const name = typeof code === 'string' ? code : 'network error';
  return new GatewayError('UPSTREAM_UNAVAILABLE', `Could not reach C1 (${name})`, { cause: error, retryable: true });
}
