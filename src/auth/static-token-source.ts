import { GatewayError } from '../kernel/errors.js';
import { outcomeError } from '../resilience/outcome.js';
import type { TokenSource } from '../kernel/token-source.js';

/** The error getToken rejects with once the source is closed. */
export const closedError = (): GatewayError =>
  outcomeError('closed', 'token source is closed');

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
