import type { TokenSource } from '../kernel/token-source.js';

export interface ReadinessOptions {
  /** The service credential's tokens; undefined in forward mode (callers bring their own). */
  tokens: () => TokenSource | undefined;
  /** Whether some upstream origin's circuit breaker is open and cooling down. */
  breakerOpen: () => boolean;
  /** @default 2_000 — how long `/ready` waits for a token when none is cached, in ms. */
  tokenWaitMs?: number;
}

export interface Readiness {
  /** Readiness goes false for good: the process is draining. */
  beginShutdown(): void;
  /** Fed with every token fetch outcome, so a failing token endpoint shows without a new request. */
  noteTokenFetch(outcome: 'success' | 'failure'): void;
  /** What is known now, without I/O: draining, breaker open, or no token and the last fetch failed. */
  isReady(): boolean;
  /**
   * The `/ready` probe: as isReady, but with no cached token it asks for one (single-flight, and
   * inside the token source's failure backoff), so a fresh instance warms its token before traffic.
   */
  check(): Promise<boolean>;
}

/** Ready means "send me traffic": not draining, C1 not known down, and a token obtainable. */
export function createReadiness(options: ReadinessOptions): Readiness {
  const { breakerOpen } = options;
  const tokenWaitMs = options.tokenWaitMs ?? 2 * 1000; // 2 s
  let draining = false;
  let lastTokenFetchFailed = false;

  const basics = (): boolean => !draining && !breakerOpen();

  return {
    beginShutdown: () => {
      draining = true;
    },
    noteTokenFetch: (outcome) => {
      lastTokenFetchFailed = outcome === 'failure';
    },
    isReady: () => {
      const tokens = options.tokens();
      return basics() && (tokens === undefined || tokens.hasValidToken() || !lastTokenFetchFailed);
    },
    async check() {
      if (!basics()) return false;
      const tokens = options.tokens();
      if (tokens === undefined || tokens.hasValidToken()) return true;
      return tokens.getToken(AbortSignal.timeout(tokenWaitMs)).then(
        () => basics(),
        () => false,
      );
    },
  };
}
