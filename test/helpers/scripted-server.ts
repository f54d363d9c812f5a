import type { IncomingHttpHeaders } from 'node:http';
import { startServer } from '../../src/ops/server.js';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path plus query string, e.g. `/auth/v1/token`. */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text ('' when none). */
  body: string;
}

/** What the handler answers. `body` objects are sent as JSON. */
export interface ScriptedResponse {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
}

/**
 * Decides the answer to a request. `index` counts requests from 0. Return a promise that never
 * settles to leave the request hanging (for timeout tests); close() still ends it.
 */
export type ScriptedHandler = (request: RecordedRequest, index: number) => ScriptedResponse | Promise<ScriptedResponse>;

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received so far, in arrival order (recorded before the handler runs). */
  requests: RecordedRequest[];
  /** Replaces the handler for requests that arrive from now on. */
  setHandler(handler: ScriptedHandler): void;
  /** Resolves once at least `count` requests have arrived; no polling, no sleeping. */
  waitForRequests(count: number): Promise<void>;
  /** Stops listening and drops every open connection, hanging ones included. */
  close(): Promise<void>;
}

/** Starts a real HTTP server on 127.0.0.1, port 0, answering through `handler`. */
export async function startScriptedServer(handler: ScriptedHandler): Promise<ScriptedServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];

  const running = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(recorded) - 1;
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      Promise.resolve()
        .then(() => current(recorded, index))
        .then((answer) => {
          const json = typeof answer.body === 'object';
          const payload = json ? JSON.stringify(answer.body) : (answer.body ?? '');
          res.writeHead(answer.status ?? 200, {
            ...(json ? { 'content-type': 'application/json' } : {}),
            ...answer.headers,
          });
          res.end(payload);
        })
        .catch((error: unknown) => {
          // A throwing handler is a bug in the test: answer 599 so it shows instead of hanging.
          res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(`scripted handler threw: ${String(error)}`);
        });
    });
  });


  return {
    origin: running.url,
    requests,
    setHandler(next) {
      current = next;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    close: () => running.close(0),
  };
}
