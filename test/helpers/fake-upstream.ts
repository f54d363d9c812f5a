import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { startServer } from '../../src/ops/server.js';

/**
 * A real node:http server on 127.0.0.1, port 0, standing in for C1 (or a JWKS, or a redirect
 * target) where the gateway's HTTP client matters. Each request is recorded, then answered by a
 * handler: a plain reply, or a fault that writes the response itself so it can stop anywhere (hang,
 * slow headers or body, reset mid-body). Timers a fault starts die with its socket, and close()
 * cuts every connection, hanging ones included, so nothing outlives a test.
 */

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

/** A plain answer. `body` objects are sent as JSON. */
export interface Reply {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
}

/** Writes (some of) a response. `later` runs `fn` after `ms` unless the socket closed first. */
export type Fault = (res: ServerResponse, later: (ms: number, fn: () => void) => void) => void;

/**
 * Decides the answer to a request. `index` counts from 0 the requests of the same kind: token
 * POSTs to TOKEN_PATH, or everything else. A promise that never settles leaves the request hanging.
 */
export type Handler = (request: RecordedRequest, index: number) => Reply | Fault | Promise<Reply | Fault>;

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received so far, in arrival order (recorded before its handler runs). */
  requests: RecordedRequest[];
  /** Requests to TOKEN_PATH received. */
  readonly tokenRequests: number;
  /** Every other request received (the API's GETs). */
  readonly apiRequests: number;
  /** Replaces the handler for requests that arrive from now on (token ones too, unless `setToken`). */
  setHandler(handler: Handler): void;
  /** Answers TOKEN_PATH requests from now on with `handler` instead of the main one. */
  setToken(handler: Handler): void;
  /** Resolves once at least `count` requests have arrived; no polling, no sleeping. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export const TOKEN_PATH = '/auth/v1/token';

export async function startFakeUpstream(handler: Handler, options: { token?: Handler } = {}): Promise<FakeUpstream> {
  const handlers = { api: handler, token: options.token };
  const requests: RecordedRequest[] = [];
  const counts = { api: 0, token: 0 };
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
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const kind = recorded.path === TOKEN_PATH ? 'token' : 'api';
      const index = counts[kind]++;
      const answer = (kind === 'token' ? handlers.token : undefined) ?? handlers.api;
      Promise.resolve()
        .then(() => answer(recorded, index))
        .then((chosen) => (typeof chosen === 'function' ? chosen : reply(chosen))(res, laterFor(res)))
        .catch((error: unknown) => {
          // A throwing handler is a bug in the test: answer 599 so it shows instead of hanging.
          if (res.headersSent) return void res.destroy();
          res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(`fake upstream handler threw: ${String(error)}`);
        });
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
    setHandler: (next) => void (handlers.api = next),
    setToken: (next) => void (handlers.token = next),
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    close: () => running.close(0),
  };
}

function laterFor(res: ServerResponse) {
  const timers = new Set<NodeJS.Timeout>();
  res.on('close', () => timers.forEach(clearTimeout));
  return (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) fn();
    }, ms);
    timers.add(timer);
  };
}

/** A Reply as a Fault that writes it whole. */
function reply(answer: Reply): Fault {
  return (res) => {
    const json = typeof answer.body === 'object';
    res.writeHead(answer.status ?? 200, { ...(json ? { 'content-type': 'application/json' } : {}), ...answer.headers });
    res.end(json ? JSON.stringify(answer.body) : (answer.body ?? ''));
  };
}

const send = (status: number, headers: Record<string, string>, body: string): Fault => (res) => {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
};

/** Answers at the socket level, for the resilience tests. */
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

/** A token handler granting `tok-0`, `tok-1`, ...: C1's token endpoint in front of a faulty API. */
export const grantTokens: Handler = (_request, index) => tokenGrant(`tok-${index}`);

/**
 * Headers that belong to one hop; fetch sets its own. `accept-encoding` too: the body is passed on
 * as text, so it must arrive uncompressed (compression has tests of its own, on the wire).
 */
const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'accept-encoding']);

/** Response headers passed back besides the content type: what a cache above the forwarded server reads. */
const CACHE_HEADERS = ['cache-control', 'vary'];

/**
 * A handler that passes each request on through `send` (a fetch to another server, or a gateway's
 * in-process fetch) and answers with its status, content type, cache headers and body.
 */
export function forwardTo(send: (path: string, init: RequestInit) => Promise<Response>): (request: RecordedRequest) => Promise<Reply> {
  return async (request) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const bodyless = request.method === 'GET' || request.method === 'HEAD';
    const response = await send(request.path, { method: request.method, headers, ...(bodyless ? {} : { body: request.body }) });
    const passed: Record<string, string> = { 'content-type': response.headers.get('content-type') ?? 'application/json' };
    for (const name of CACHE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    return { status: response.status, headers: passed, body: await response.text() };
  };
}
