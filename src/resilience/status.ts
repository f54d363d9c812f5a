import type { GatewayError } from '../kernel/errors.js';
import { classifyStatus, outcomeError, type OutcomeKind } from './outcome.js';

const MESSAGES: Partial<Record<OutcomeKind, (status: number) => string>> = {
  rejected: () => 'C1 rejected the access token',
  forbidden: () => 'C1 denied access to this resource',
  throttled: () => 'C1 is rate-limiting the gateway',
  proxyFailed: (status) => `C1 is unavailable (HTTP ${status})`,
  serverFailed: (status) => `C1 failed (HTTP ${status})`,
};

/**
 * Maps an API status to a typed error; what it means is its row in outcome.ts. Only the status
 * (and `Retry-After`) count: C1's error bodies are undocumented, so nothing here reads them.
 */
export function errorForStatus(status: number, retryAfter: string | undefined, now: number): GatewayError {
  const kind = classifyStatus(status, 'api');
  const message = MESSAGES[kind]?.(status) ?? `C1 answered with unexpected HTTP ${status}`;
  return outcomeError(kind, message, { status, retryAfterMs: parseRetryAfter(retryAfter, now) });
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
