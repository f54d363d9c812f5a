/**
 * What the data path reports as it works. Metrics (and anything else that watches) implement it;
 * the data path only calls it, so it knows nothing of Prometheus or logs.
 */
export interface Observer {
  cacheLookup(outcome: 'hit' | 'miss'): void;
  staleServed(): void;
  loaderBatch(size: number): void;
  upstreamAttempt(route: string, status: number, durationMs: number): void;
  upstreamInFlight(delta: 1 | -1): void;
  upstreamFailure(code: string, detail: { requestId?: string | undefined; id?: string }): void;
  tokenFetch(outcome: 'success' | 'failure', expiresAtMs?: number): void;
  breakerState(origin: string, state: 'closed' | 'open' | 'half-open'): void;
}

const noop = (): void => undefined;

export const noopObserver: Observer = {
  cacheLookup: noop,
  staleServed: noop,
  loaderBatch: noop,
  upstreamAttempt: noop,
  upstreamInFlight: noop,
  upstreamFailure: noop,
  tokenFetch: noop,
  breakerState: noop,
};
