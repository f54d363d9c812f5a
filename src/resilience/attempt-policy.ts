/**
 * The seam around each upstream HTTP attempt: a policy decides how often and when `attempt` runs
 * (retries, circuit breaking). Policies know nothing of HTTP; they see typed errors and a budget.
 */

/** What a policy may know about the caller's time budget besides its abort signal. */
export interface AttemptBudget {
  /** Milliseconds left before the caller's deadline; absent when only the signal bounds the call. */
  remainingMs?: () => number;
  /** Whose call it is (security/caller-key.ts), for a policy that queues attempts fairly. */
  caller?: string;
  /** Aborts when the caller's deadline passes. */
  signal?: AbortSignal | undefined;
}

/** Runs one attempt (or several, for a retrying policy). */
export type AttemptPolicy = <T>(
  attempt: () => Promise<T>,
  signal: AbortSignal | undefined,
  budget?: AttemptBudget,
) => Promise<T>;

/** Runs the attempt once: the policy when nothing else is configured. */
export const runOnce: AttemptPolicy = (attempt) => attempt();

/** `outer` decides around what `inner` decides around each attempt, e.g. retries around a breaker. */
export function chainPolicies(outer: AttemptPolicy, inner: AttemptPolicy): AttemptPolicy {
  return (attempt, signal, budget) => outer(() => inner(attempt, signal, budget), signal, budget);
}
