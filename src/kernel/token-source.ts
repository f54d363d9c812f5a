import type { TraceRef } from './tracer.js';

/** Where the upstream client gets its bearer token. */
export interface TokenSource {
  /**
   * A bearer token valid now. Single-flight: concurrent callers share one token request, whose
   * span each waiting caller's `trace` links to.
   */
  getToken(signal?: AbortSignal, trace?: TraceRef): Promise<string>;
  /** Called after an upstream 401 with the token that was rejected; drops it if still current. */
  invalidate(token: string): void;
  /** Whether a token is cached and still usable (for readiness). */
  hasValidToken(): boolean;
  /** Cancels an in-flight token request; later getToken calls reject. */
  close(): void;
}
