import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { startServer } from '../../src/ops/server.js';

/**
 * A real node:http upstream whose answers are faults at the socket level: hang, slow headers,
 * slow body, reset mid-body, as well as plain statuses and bodies. Unlike scripted-server.ts, a
 * fault writes to the response itself, so it can stop anywhere. Timers it starts die with the
 * request's socket, and close() cuts every connection, so nothing outlives a test.
 */

/** One request as the server saw it. */
export interface FaultRequest {
  method: string;
  path: string;
  body: string;
}

/** Writes (some of) a response. `later` runs `fn` after `ms` unless the socket closed first. */
export type Fault = (res: ServerResponse, later: (ms: number, fn: () => void) => void) => void;

/** Picks the fault for the `index`-th request on the same route kind (token or API). */
export type FaultHandler = (request: FaultRequest, index: number) => Fault;

export interface FaultServer {
  origin: string;
  requests: FaultRequest[];
  /** Token POSTs received. */
  readonly tokenRequests: number;
  /** Personal-client GETs received. */
  readonly apiRequests: number;
  setApi(handler: FaultHandler): void;
  setToken(handler: FaultHandler): void;
  close(): Promise<void>;
}

export const TOKEN_PATH = '/auth/v1/token';

const send = (status: number, headers: Record<string, string>, body: string): Fault => (res) => {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
};

export const faults = {
  json: (body: unknown, status = 200, headers: Record<string, string> = {}): Fault =>
    send(status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body)),
  status: (status: number, headers: Record<string, string> = {}): Fault =>
    send(status, { 'content-type': 'application/json', ...headers }, '{"code":14,"message":"unavailable"}'),
  raw: (contentType: string, body: string): Fault => send(200, { 'content-type': contentType }, body),
  /** Accepts the request and never answers. */
  hang: (): Fault => () => undefined,
  /** Sends nothing for `ms`, then `then`. */
  slowHeaders: (ms: number, then: Fault): Fault => (res, later) => later(ms, () => then(res, later)),
  /** Sends the headers and half the body, pauses `ms`, then the rest. */
  slowBody: (body: unknown, ms: number): Fault => (res, later) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
    res.write(text.slice(0, text.length >> 1));
    later(ms, () => res.end(text.slice(text.length >> 1)));
  },
  /** Sends the headers and half the body, then resets the TCP connection (RST, not FIN). */
  resetMidBody: (body: unknown): Fault => (res) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
    res.write(text.slice(0, text.length >> 1), () => (res.socket as Socket | null)?.resetAndDestroy());
  },
  /** `bytes` of valid-looking JSON; chunked (no content-length) unless `declared`. */
  oversized: (bytes: number, declared: boolean): Fault => (res) => {
    const text = `{"client":{"displayName":"${'x'.repeat(bytes)}"}}`;
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(text.length) } : {}) });
    for (let i = 0; i < text.length; i += 16 * 1024) res.write(text.slice(i, i + 16 * 1024));
    res.end();
  },
};

/** A token grant as C1 answers it; `expiresIn` undefined omits the field. */
export function tokenGrant(token: string, expiresIn: number | undefined = 3600): Fault {
  return faults.json({ access_token: token, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) });
}

export async function startFaultServer(api: FaultHandler, token: FaultHandler = (_r, i) => tokenGrant(`tok-${i}`)): Promise<FaultServer> {
  const handlers = { api, token };
  const requests: FaultRequest[] = [];
  const counts = { api: 0, token: 0 };

  const running = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const kind = request.path === TOKEN_PATH ? 'token' : 'api';
      const index = counts[kind]++;
      const timers = new Set<NodeJS.Timeout>();
      res.on('close', () => timers.forEach(clearTimeout));
      const later = (ms: number, fn: () => void): void => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) fn();
        }, ms);
        timers.add(timer);
      };
      handlers[kind](request, index)(res, later);
    });
  });

  return {
    origin: running.url,
    requests,
    get tokenRequests() {
      return counts.token;
    },
    get apiRequests() {
      return counts.api;
    },
    setApi: (handler) => void (handlers.api = handler),
    setToken: (handler) => void (handlers.token = handler),
    close: () => running.close(0),
  };
}
