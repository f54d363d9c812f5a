/**
 * A reverse proxy in front of the sandbox that turns a share of C1's answers into faults, at
 * random: error statuses, 429s, resets mid-body, malformed or non-JSON bodies, oversized bodies,
 * slow headers and hangs. Token POSTs and personal-client GETs alike.
 *
 * With `pushbackAbove` it also pushes back as a loaded C1 does: an API call that arrives while more
 * than that many are in flight gets 429 with `Retry-After: 0`, before any random fault. It counts
 * the API calls in flight as C1 sees them (arrival to answer or hang-up), and their peak.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Pool } from 'undici';
import { startServer } from '../../src/ops/server.js';

export type FaultKind =
  | '500' | '502' | '503' | '504' | '429' | '429-retry-after'
  | 'reset-mid-body' | 'malformed-json' | 'non-json' | 'oversized' | 'slow-headers' | 'hang';

/** Relative weights: hangs and slow answers hold a slot for a whole deadline, so they are rarer. */
const WEIGHTS: [FaultKind, number][] = [
  ['500', 2], ['502', 2], ['503', 3], ['504', 1], ['429', 1], ['429-retry-after', 1],
  ['reset-mid-body', 2], ['malformed-json', 1], ['non-json', 1], ['oversized', 0.5],
  ['slow-headers', 0.4], ['hang', 0.2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

export interface FaultProxy {
  url: string;
  /** Answers forwarded untouched, faults injected by kind, and 429s for being over `pushbackAbove`. */
  readonly counts: { forwarded: number; faults: Partial<Record<FaultKind, number>>; pushback: number };
  /** API calls (not token POSTs) in flight right now, and the most there ever were. */
  readonly inFlight: { now: number; peak: number };
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: string;
  /** Share of requests answered with a fault. */
  faultRate: number;
  /** Uniform in [0, 1); seeded by the caller so a run can be repeated. */
  random: () => number;
  /** How long a slow-headers fault waits before forwarding, in ms. */
  slowMs: number;
  /** API calls in flight above which C1 answers 429 (`Retry-After: 0`). @default Infinity (never) */
  pushbackAbove?: number;
}

/** Token requests are not API calls: C1's API limits do not apply to them. */
const TOKEN_PATH = '/auth/v1/token';

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new Pool(options.target, { connections: 64 });
  const counts: FaultProxy['counts'] = { forwarded: 0, faults: {}, pushback: 0 };
  const inFlight = { now: 0, peak: 0 };
  const pushbackAbove = options.pushbackAbove ?? Infinity;

  const pick = (): FaultKind | undefined => {
    if (options.random() >= options.faultRate) return undefined;
    let r = options.random() * TOTAL_WEIGHT;
    for (const [kind, weight] of WEIGHTS) if ((r -= weight) < 0) return kind;
    return 'hang';
  };

  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const response = await upstream.request({ method: req.method as 'GET', path: req.url ?? '/', headers, body: body.length > 0 ? body : null });
    const payload = Buffer.from(await response.body.arrayBuffer());
    const type = response.headers['content-type'];
    return { status: response.statusCode, payload, type: typeof type === 'string' ? type : 'application/json' };
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    if (req.url !== TOKEN_PATH && inFlight.now > pushbackAbove) {
      counts.pushback++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end('{"code":8,"message":"too many requests"}');
      return;
    }
    const fault = pick();
    if (fault === undefined) {
      counts.forwarded++;
    } else {
      counts.faults[fault] = (counts.faults[fault] ?? 0) + 1;
    }
    const send = (status: number, type: string, payload: string | Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(payload)), ...extra });
      res.end(payload);
    };
    switch (fault) {
      case undefined: {
        const r = await forward(req, body);
        return send(r.status, r.type, r.payload);
      }
      case '429':
        return send(429, 'application/json', '{"code":8}');
      case '429-retry-after':
        return send(429, 'application/json', '{"code":8}', { 'retry-after': '0' });
      case 'reset-mid-body': {
        const r = await forward(req, body);
        res.writeHead(r.status, { 'content-type': r.type, 'content-length': String(r.payload.length) });
        res.write(r.payload.subarray(0, r.payload.length >> 1), () => (res.socket as Socket | null)?.resetAndDestroy());
        return;
      }
      case 'malformed-json':
        return send(200, 'application/json', '{"client": {"id": ');
      case 'non-json':
        return send(200, 'text/html', '<html>maintenance</html>');
      case 'oversized':
        return send(200, 'application/json', `{"client":{"displayName":"${'x'.repeat(2 * 1024 * 1024)}"}}`);
      case 'slow-headers':
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.slowMs);
          res.once('close', () => (clearTimeout(timer), resolve()));
        });
        if (res.destroyed) return;
        {
          const r = await forward(req, body);
          return send(r.status, r.type, r.payload);
        }
      case 'hang':
        return; // the client gives up; close() destroys the socket
      default:
        return send(Number(fault), 'application/json', '{"code":14,"message":"unavailable"}');
    }
  };

  const running = await startServer((req, res) => {
    if (req.url !== TOKEN_PATH) {
      inFlight.peak = Math.max(inFlight.peak, ++inFlight.now);
      res.once('close', () => void inFlight.now--);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req, res, Buffer.concat(chunks)).catch(() => res.destroy());
    });
  });

  return {
    url: running.url,
    counts,
    inFlight,
    async close() {
      await running.close(0); // hanging requests included
      await upstream.close();
    },
  };
}
