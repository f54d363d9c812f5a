import type { Grant } from '../budget/index.js';
import type { GatewayError } from '../kernel/errors.js';
import { outcomeError } from '../resilience/outcome.js';

/**
 * The error for each id of `toFetch` past a partial grant (the first `granted` ids are fetched),
 * or undefined when all were granted. One error per batch: the ids share its wait.
 */
export function refusalsFor(toFetch: readonly string[], grant: Grant): ReadonlyMap<string, GatewayError> | undefined {
  if (grant.granted >= toFetch.length) return undefined;
  const error = rateLimited(grant.retryAfterMs);
  return new Map(toFetch.slice(grant.granted).map((id) => [id, error]));
}

/** The caller's own budget is spent; it never reached C1, so it says nothing about C1's health. */
export function rateLimited(retryAfterMs: number): GatewayError {
  return outcomeError('callerBudget', 'Upstream call budget for this caller is spent; retry later', {
    retryAfterMs: Math.max(1, retryAfterMs),
  });
}
