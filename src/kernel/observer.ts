import type { TraceRef } from './tracer.js';

/** Why the gateway closed a client connection (see Observer.connectionShed). */
export type ConnectionShedKind = 'silent' | 'idle' | 'refused' | 'pipelined';

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
  upstreamFailure(code: string, detail: { requestId?: string | undefined; id?: string; trace?: TraceRef | undefined }): void;
  tokenFetch(outcome: 'success' | 'failure', expiresAtMs?: number): void;
  /**
   * A breaker's state, under the fixed name of its upstream (e.g. 'c1': safe as a metric label)
   * and its origin (a URL origin: for logs only, never a label).
   */
  breakerState(upstream: string, state: 'closed' | 'open' | 'half-open', origin: string): void;
  /** One id looked up in the shared (Redis) cache; 'error' when Redis could not answer in time. */
  l2Lookup(outcome: 'hit' | 'miss' | 'error'): void;
  /** One Redis call that failed and fell back to the in-process path. */
  l2Error(kind: 'timeout' | 'unavailable' | 'oom' | 'other'): void;
  /** The shared (Redis) cache's connection became usable ('up') or was lost ('down'). */
  l2Connection(state: 'up' | 'down'): void;
  /** Entries now held in the in-process cache (reported when it stores). */
  cacheEntries(count: number): void;
  /** Cross-replica herd lock: fetched it ourselves, got another replica's value, or gave up waiting. */
  l2Lock(outcome: 'acquired' | 'waited' | 'fallback'): void;
  /** A hot document compiled by graphql-jit, or one it could not compile (see graphql/jit.ts). */
  documentCompiled(outcome: 'compiled' | 'failed'): void;
  /** A new document not validated, because one of the same shape was, or run as its shape's template (see graphql/document-shapes.ts). */
  validationSkipped(): void;
  /** One C1 call not made because the caller's upstream budget was spent (no caller named: unbounded). */
  budgetRefused(): void;
  /**
   * The adaptive limit on C1 calls in flight is `slots`: at start (no `change`), grown ('increase'),
   * or cut because C1 pushed back (429, 502/503/504, a timeout: 'pushback') or its latency rose ('latency').
   */
  upstreamLimit(slots: number, change?: 'increase' | 'pushback' | 'latency'): void;
  /** C1 calls now waiting for a slot, across all callers. */
  upstreamQueued(length: number): void;
  /** Client connections now open (see ops/connection-cap.ts). */
  httpConnections(open: number): void;
  /**
   * A client connection the gateway closed to stay within its bounds: at the connection cap, one that
   * never sent a request ('silent'), else the one idle the longest ('idle'), or the new one, every
   * other being busy ('refused'); or one that pipelined too many requests ('pipelined').
   */
  connectionShed(kind: ConnectionShedKind): void;
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
  l2Lookup: noop,
  l2Error: noop,
  l2Connection: noop,
  cacheEntries: noop,
  l2Lock: noop,
  documentCompiled: noop,
  validationSkipped: noop,
  budgetRefused: noop,
  upstreamLimit: noop,
  upstreamQueued: noop,
  httpConnections: noop,
  connectionShed: noop,
};
