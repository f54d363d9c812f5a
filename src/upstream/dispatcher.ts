import { Agent, type Dispatcher } from 'undici';

export interface DispatcherOptions {
  /** @default 3_000 — TCP + TLS handshake budget, in ms. */
  connectTimeoutMs?: number;
  /** @default 5_000 — time to the response headers, in ms. */
  headersTimeoutMs?: number;
  /** @default 5_000 — longest silence between body chunks, in ms. */
  bodyTimeoutMs?: number;
  /** @default 64 — sockets per upstream origin. */
  connectionsPerOrigin?: number;
}

/**
 * One undici Agent for every upstream call: it keeps a keep-alive pool per origin. It never
 * follows redirects (undici 7 only does so through an explicit interceptor), and TLS verification
 * stays on: there is deliberately no option to turn it off.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  return new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 30 * 1000, // 30 s idle sockets are reused
    keepAliveMaxTimeout: 10 * 60 * 1000, // 10 min at most, whatever the server advertises
    headersTimeout: options.headersTimeoutMs ?? 5 * 1000,
    bodyTimeout: options.bodyTimeoutMs ?? 5 * 1000,
    connect: { timeout: options.connectTimeoutMs ?? 3 * 1000, rejectUnauthorized: true },
  });
}
