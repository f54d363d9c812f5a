/**
 * Does HTTP/2 to C1 pay for cold reads? Run: `npx tsx bench/experiments/h2-upstream.ts [requests] [rounds]
 * [concurrency]` (defaults 20000, 3, 50). Not part of `npm run bench`: a reproducible experiment behind a decision.
 *
 * A child process (so its CPU is not the client's) serves one fixed personal-client body over
 * h1-plain (what the sandbox speaks), h1-tls, h2-tls (ALPN, allowHTTP1 false) and h2c (prior
 * knowledge). The parent reads it through an undici Agent shaped like src/upstream/dispatcher.ts
 * and src/upstream/c1-request.ts (64 sockets, keep-alive, bearer headers, readJsonBody), at a fixed
 * concurrency, after a warm-up that opens the pool: it measures steady-state keep-alive reads, not
 * handshakes. h2-1 is h2-tls with `connections: 1`, every stream multiplexed on one socket (a
 * burst makes the 64-socket pool open one h2 socket per request in flight, as h1 does). Per variant: client CPU µs per request, server CPU µs per request, req/s, p50/p99 and
 * the sockets the server accepted; variants interleave per round and each figure is the median over
 * rounds. The self-signed cert comes from `openssl req -x509` into a temp dir, removed at the end.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { readJsonBody } from '../../src/resilience/read-body.js';
import { median, percentile } from '../stats.js';

const SERVERS = ['h1-plain', 'h1-tls', 'h2-tls', 'h2c'] as const;
type ServerName = (typeof SERVERS)[number];
/** The client side of each run: which server, and the Agent's `connections` (h2-1: one multiplexed socket). */
const VARIANTS = { 'h1-plain': ['h1-plain', 64], 'h1-tls': ['h1-tls', 64], 'h2-tls': ['h2-tls', 64], 'h2-1': ['h2-tls', 1], h2c: ['h2c', 64] } as const;
type Variant = keyof typeof VARIANTS;
type Stats = { cpuUs: number; sockets: Record<ServerName, number> };

/** Requests per measured run, rounds, and requests in flight at once (as a busy gateway's cold reads keep). */
const [N = 20_000, ROUNDS = 3, CONCURRENCY = 50] = process.argv[2] === 'serve' ? [] : process.argv.slice(2).map(Number);
/** Requests before each measured run, so every variant's pool is already open. */
const WARMUP = 2_000;
const PREFIX = '/api/v1/iam/personal_clients/';
/** Shaped as the sandbox's toWire output, every field present, ~600 bytes. */
const BODY = JSON.stringify({ client: {
  id: '2Xq7bKpR4mZ1vN8cT3wY6hJ0sLd', clientId: 'ci-pipeline-deploy-04213@acme.conductor.one/pcc',
  displayName: 'CI pipeline (deploys to production, eu-west-1, us-east-2 and ap-southeast-2)', userId: '2Ab9CdEfGh1IjKlMn2OpQrStUvW',
  allowSourceCidr: ['10.20.0.0/16', '192.168.100.0/24', '2001:db8:abcd:12::/64'],
  scopedRoles: ['2RoLe8xYz1AbCdEfGhIjKlMnOpQ', '2RoLe9aBc2DeFgHiJkLmNoPqRsT'],
  createdAt: '2024-03-14T09:26:53.589Z', updatedAt: '2024-04-02T17:05:11.123456Z', deletedAt: null,
  expiresTime: '2031-07-21T00:00:00Z', lastUsedAt: '2025-11-28T22:41:07.987654321Z',
} });

/** The child: four servers on port 0; answers `stats` with its CPU and the sockets each accepted. */
async function serve(certDir: string): Promise<void> {
  const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  const status = (path: string | undefined) => (path?.startsWith(PREFIX) === true ? 200 : 404);
  const type = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) };
  const h1 = (req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(status(req.url), type).end(BODY);
  const h2 = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.respond({ ':status': status(headers[':path']), ...type });
    stream.end(BODY);
  };
  const servers: Record<ServerName, Server> = {
    'h1-plain': http.createServer(h1),
    'h1-tls': https.createServer(tls, h1),
    'h2-tls': http2.createSecureServer({ ...tls, allowHTTP1: false }).on('stream', h2),
    h2c: http2.createServer().on('stream', h2),
  };
  const sockets = Object.fromEntries(SERVERS.map((v) => [v, 0])) as Record<ServerName, number>;
  const ports: Partial<Record<ServerName, number>> = {};
  for (const v of SERVERS) {
    servers[v].on('connection', () => sockets[v]++);
    await new Promise<void>((resolve) => servers[v].listen(0, '127.0.0.1', resolve));
    ports[v] = (servers[v].address() as AddressInfo).port;
  }
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({ cpuUs: cpu.user + cpu.system, sockets: { ...sockets } } satisfies Stats);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.(ports);
}

const ask = <T>(child: ChildProcess, message?: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    if (message !== undefined) child.send(message);
  });

/** One measured run: a fresh Agent as the gateway builds it, warmed up, then `n` timed GETs. */
async function run(variant: Variant, ports: Record<ServerName, number>, ca: Buffer, child: ChildProcess) {
  const [server, connections] = VARIANTS[variant];
  const tls = server.endsWith('-tls');
  const agent = new Agent({
    connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, headersTimeout: 10_000, bodyTimeout: 10_000,
    allowH2: server.startsWith('h2'),
    // Pool drops a top-level useH2c; only the connector reads it, and its types omit it.
    connect: { timeout: 10_000, rejectUnauthorized: true, ...(tls ? { ca } : { useH2c: server === 'h2c' }) } as NonNullable<Agent.Options['connect']>,
  });
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${ports[server]}`;
  const headers = { authorization: 'Bearer bench-token-0123456789abcdef', accept: 'application/json', 'user-agent': 'c1-gateway' };
  const latencies: number[] = [];
  const load = async (count: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next++ < count) {
        const started = performance.now();
        const res = await agent.request({ origin, path: `${PREFIX}2Xq7bKpR4mZ1vN8cT3wY6hJ0sLd`, method: 'GET', headers });
        if (res.statusCode !== 200 || typeof (await readJsonBody(res, 1 << 20)) !== 'object') throw new Error(`${variant}: bad answer`);
        if (record) latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  const opened = await ask<Stats>(child, 'stats');
  await load(WARMUP, false);
  const before = await ask<Stats>(child, 'stats');
  const cpu = process.cpuUsage();
  const started = performance.now();
  await load(N, true);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await ask<Stats>(child, 'stats');
  await agent.close();
  latencies.sort((a, b) => a - b);
  return { clientUs: (used.user + used.system) / N, serverUs: (after.cpuUs - before.cpuUs) / N, reqPerSec: N / seconds,
    p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), sockets: after.sockets[server] - opened.sockets[server] };
}

async function main(): Promise<void> {
  const certDir = mkdtempSync(join(tmpdir(), 'h2-upstream-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    const ca = readFileSync(join(certDir, 'cert.pem'));
    const child = fork(fileURLToPath(import.meta.url), ['serve', certDir], { execArgv: ['--import', 'tsx'] });
    const ports = await ask<Record<ServerName, number>>(child);
    const names = Object.keys(VARIANTS) as Variant[];
    const results = Object.fromEntries(names.map((v) => [v, [] as Awaited<ReturnType<typeof run>>[]]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotated each round, so no variant always runs first (cold JIT) or last.
      for (const [i] of names.entries()) {
        const v = names[(i + round) % names.length] as Variant;
        results[v]?.push(await run(v, ports, ca, child));
      }
    }
    child.disconnect();
    const med = (v: Variant, k: keyof Awaited<ReturnType<typeof run>>) => median((results[v] ?? []).map((r) => r[k]));
    const keys = ['clientUs', 'serverUs', 'reqPerSec', 'p50', 'p99', 'sockets'] as const;
    console.log(`${N} GETs x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, body ${Buffer.byteLength(BODY)} B; medians over rounds`);
    console.table(Object.fromEntries(names.map((v) => [v, Object.fromEntries(keys.map((k) => [k, Number(med(v, k).toFixed(1))]))])));
    const pairs = [['h2-tls', 'h1-tls'], ['h2-1', 'h1-tls'], ['h1-tls', 'h1-plain'], ['h2c', 'h1-plain']] as const;
    console.table(Object.fromEntries(pairs.map(([a, b]) => [`${a} / ${b}`, Object.fromEntries(keys.slice(0, 5).map((k) => [k, Number((med(a, k) / med(b, k)).toFixed(2))]))])));
  } finally {
    rmSync(certDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] ?? '');
else await main();
