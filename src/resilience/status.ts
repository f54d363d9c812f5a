import { GatewayError } from '../kernel/errors.js';

/**
 * Maps an upstream HTTP status to a typed error. Only the status (and `Retry-After`) count: C1's
 * error bodies are undocumented, so nothing here reads them.
 */
export function errorForStatus(status: number, retryAfter: string | undefined, now: number): GatewayError {
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  const opts = { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 401) return new GatewayError('UPSTREAM_UNAUTHENTICATED', 'C1 rejected the access token', opts);
  if (status === 403) return new GatewayError('UPSTREAM_FORBIDDEN', 'C1 denied access to this resource', opts);
  if (status === 429) {
    return new GatewayError('UPSTREAM_RATE_LIMITED', 'C1 is rate-limiting the gateway', { ...opts, retryable: true });
  }
  if (status === 502 || status === 503 || status === 504) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `C1 is unavailable (HTTP ${status})`, { ...opts, retryable: true });
  }
  if (status >= 500) return new GatewayError('UPSTREAM_UNAVAILABLE', `C1 failed (HTTP ${status})`, opts);
  return new GatewayError('UPSTREAM_BAD_RESPONSE', `C1 answered with unexpected HTTP ${status}`, opts);
}

/** `Retry-After` as delta-seconds or an HTTP-date, in ms from `now`; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const trimmed = (Array.isArray(value) ? value[0] : value)?.trim();
  if (trimmed === undefined || trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
