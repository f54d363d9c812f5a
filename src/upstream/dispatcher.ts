import { Agent, type Dispatcher } from 'undici';

export interface DispatcherOptions {
  /** TCP + TLS handshake budget, in ms (UPSTREAM_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Time to the response headers, in ms (UPSTREAM_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** Longest silence between body chunks, in ms (UPSTREAM_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /** @default 64 — sockets per upstream origin. */
  connectionsPerOrigin?: number;
}

/**
 * One undici Agent for every upstream call: it keeps a keep-alive pool per origin. It never
 * follows redirects (undici 7 only does so through an explicit interceptor), and TLS verification
 * stays on: there is deliberately no option to turn it off.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  return new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 30 * 1000, // 30 s idle sockets are reused
    keepAliveMaxTimeout: 10 * 60 * 1000, // 10 min at most, whatever the server advertises
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { timeout: options.connectTimeoutMs, rejectUnauthorized: true },
  });
}
