import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish, then resolves. Connections still
   * busy after `drainMs` are cut, so shutdown is bounded.
   */
  close(drainMs?: number): Promise<void>;
}

export async function startServer(handler: RequestListener, options: ListenOptions = {}): Promise<RunningServer> {
  let draining = false;
  // Responses not yet finished: when draining starts, they are told to close their socket too.
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    // While draining, finish this request but don't keep its socket for another.
    if (draining) res.setHeader('connection', 'close');
    open.add(res);
    res.once('close', () => open.delete(res));
    handler(req, res);
  });
  server.keepAliveTimeout = 65 * 1000; // longer than common load-balancer idle timeouts (60 s)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;

  return {
    url,
    server,
    close(drainMs = 10 * 1000) {
      draining = true;
      // Otherwise a keep-alive socket that finishes its request after close() stays open, idle,
      // until the drain timeout cuts it, and shutdown takes the whole drain time.
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), drainMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
