import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionCap, type ConnectionCapOptions } from './connection-cap.js';
import { RequestTurns } from './request-turns.js';

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /**
   * Bound on receiving one whole request, headers and body (ms); past it Node answers 408 and
   * closes the connection, so a client trickling its body cannot hold a socket and a handler open.
   * Only the receiving is bounded: once the body is in, a slow answer is not cut.
   * @default Node's own (300 s, noticed up to 30 s late)
   */
  requestTimeoutMs?: number;
  /** At most this many client connections open at once (see connection-cap.ts). @default no cap */
  connections?: ConnectionCapOptions;
  /** A connection was cut for pipelining more than MAX_PIPELINED_WAITING requests behind the one in progress. */
  onPipelineCut?: () => void;
}

/** Pipelined requests that may wait behind a connection's request in progress; one more cuts it (see request-turns.ts). */
export const MAX_PIPELINED_WAITING = 8;

/**
 * Node looks for requests past their timeout every `connectionsCheckingInterval` (30 s by default),
 * so a 408 could come up to that late. A quarter of the timeout, at most this, keeps it near.
 * @default 1_000
 */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Node's own headers-only bound (ms), kept when the whole-request bound is no shorter. */
const NODE_HEADERS_TIMEOUT_MS = 60_000;

function timeoutOptions(requestTimeoutMs: number | undefined) {
  if (requestTimeoutMs === undefined) return {};
  return {
    requestTimeout: requestTimeoutMs,
    // Node refuses a headers bound longer than the whole-request one.
    headersTimeout: Math.min(NODE_HEADERS_TIMEOUT_MS, requestTimeoutMs),
    connectionsCheckingInterval: Math.max(1, Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, Math.floor(requestTimeoutMs / 4))),
  };
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
  const open = new OpenResponses();
  const cap = options.connections === undefined ? undefined : new ConnectionCap(options.connections);
  const turns = new RequestTurns({ maxWaiting: MAX_PIPELINED_WAITING, ...(options.onPipelineCut ? { onCut: options.onPipelineCut } : {}) });
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    // While draining, finish this request but don't keep its socket for another.
    if (draining) res.setHeader('connection', 'close');
    open.add(res);
    const socket = req.socket;
    cap?.requestStarted(socket);
    res.once('close', () => {
      open.delete(res);
      cap?.requestEnded(socket);
      turns.done(socket);
    });
    handler(req, res);
  };
  const server = createServer(timeoutOptions(options.requestTimeoutMs), (req, res) => turns.take(req.socket, () => serve(req, res)));
  if (cap !== undefined) server.on('connection', cap.admit);
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
      for (const res of open.all()) if (!res.headersSent) res.setHeader('connection', 'close');
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

const AT = Symbol('openResponseIndex');
type Tracked = ServerResponse & { [AT]?: number | undefined };

/**
 * The responses in progress, in an array each knows its place in (removal swaps the last one in).
 * Not a Set: one that every request enters and leaves kept each cold read's whole request alive
 * through two young-generation collections (2.6-3.4 against 1.4 KB promoted per read, in process).
 */
class OpenResponses {
  readonly #list: Tracked[] = [];

  add(res: Tracked): void {
    res[AT] = this.#list.length;
    this.#list.push(res);
  }

  delete(res: Tracked): void {
    const at = res[AT];
    if (at === undefined || this.#list[at] !== res) return;
    const last = this.#list.pop() as Tracked;
    if (last !== res) {
      this.#list[at] = last;
      last[AT] = at;
    }
    res[AT] = undefined;
  }

  all(): readonly ServerResponse[] {
    return [...this.#list];
  }
}
