import { GatewayError } from './errors.js';

/** Where the upstream client gets its bearer token. */
export interface TokenSource {
  /** A bearer token valid now. Single-flight: concurrent callers share one token request. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Called after an upstream 401 with the token that was rejected; drops it if still current. */
  invalidate(token: string): void;
  /** Whether a token is cached and still usable (for readiness). */
  hasValidToken(): boolean;
  /** Cancels an in-flight token request; later getToken calls reject. */
  close(): void;
}

/** The error getToken rejects with once the source is closed. */
export const closedError = (): GatewayError =>
  new GatewayError('UPSTREAM_UNAVAILABLE', 'token source is closed', { origin: 'gateway' });

/** C1_ACCESS_TOKEN mode: one fixed token; nothing to refresh, so invalidate is a no-op. */
export function createStaticTokenSource(token: string): TokenSource {
  const value = token.trim().replace(/^bearer /i, '');
  if (value.length === 0) throw new GatewayError('CONFIG_INVALID', 'C1_ACCESS_TOKEN: is empty');
  let closed = false;
  return {
    getToken: async () => {
      if (closed) throw closedError();
      return value;
    },
    invalidate: () => {},
    hasValidToken: () => !closed,
    close: () => {
      closed = true;
    },
  };
}
