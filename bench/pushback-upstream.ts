/**
 * A stand-in for a C1 with a fixed capacity: it answers 429 (`Retry-After: 0`) to any GET that
 * arrives while `capacity` are already in flight, and every other GET after `latencyMs`. It runs in
 * the harness process (it does little work) and answers token POSTs with a token it never checks,
 * since the pushback scenario is about capacity, not credentials.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface PushbackCounts {
  answered: number;
  refused: number;
  /** Most GETs in flight at once, the refused one included. */
  peak: number;
}

export interface PushbackUpstream {
  url: string;
  counts(): PushbackCounts;
  reset(): void;
  close(): Promise<void>;
}

const TOKEN = JSON.stringify({ access_token: 'bench-pushback-token', token_type: 'Bearer', expires_in: 3600 });

export async function startPushbackUpstream(options: { capacity: number; latencyMs: number }): Promise<PushbackUpstream> {
  let counts: PushbackCounts = { answered: 0, refused: 0, peak: 0 };
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    if (req.method === 'POST' && req.url === '/auth/v1/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN);
      return;
    }
    inFlight += 1;
    counts.peak = Math.max(counts.peak, inFlight);
    if (inFlight > options.capacity) {
      inFlight -= 1;
      counts.refused += 1;
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{}');
      return;
    }
    const id = decodeURIComponent(req.url?.split('/').pop() ?? '');
    setTimeout(() => {
      inFlight -= 1;
      counts.answered += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: { id, displayName: 'pushback' } }));
    }, options.latencyMs);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    reset: () => void (counts = { answered: 0, refused: 0, peak: inFlight }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
