/**
 * Floods of connections beside a normal caller (20 requests/s from another address, one in five for
 * an id not cached, over new connections), against the built gateway in production mode:
 * - `files` and `cap`: silent connections (connect, send nothing; reconnect as soon as one is
 *   closed). In `files` the open-files limit (FILES, lowered on the running process with prlimit)
 *   runs out before MAX_CONNECTIONS (set above it); in `cap`, MAX_CONNECTIONS (CAP) is reached first.
 * - `pipelined`: PIPELINERS connections each writing PIPELINED cheap requests at once (answers read and
 *   dropped), reconnecting when cut; default settings.
 * Prints the normal caller's outcomes and latency, the connections the gateway closed by kind, the
 * flood's requests it answered, and its RSS. Run after `npm run build`:
 *   npx tsx bench/experiments/connection-floods.ts
 * Knobs: FLOODS (files,cap,pipelined), SECONDS (15), SILENT (3000 connections held), CAP (1000),
 * FILES (1024), PIPELINERS (50), PIPELINED (20000), NORMAL_RATE (20/s).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { setTimeout as delay } from 'node:timers/promises';
import { createSandbox } from '../../src/sandbox/index.js';
import { benchClientId } from '../ids.js';
import { runLoad } from '../load.js';
import { productionNodeArgs } from '../node-args.js';
import { startGatewayProcess } from '../soak/gateway-process.js';
import { oneIdBody } from '../soak/hostile-bodies.js';
import { outcomeOf } from '../soak/outcomes.js';

const SECONDS = Number(process.env['SECONDS'] ?? 15);
const SILENT = Number(process.env['SILENT'] ?? 3000);
const CAP = Number(process.env['CAP'] ?? 1000);
const FILES = Number(process.env['FILES'] ?? 1024);
const NORMAL_RATE = Number(process.env['NORMAL_RATE'] ?? 20);
const PIPELINERS = Number(process.env['PIPELINERS'] ?? 50);
const PIPELINED = Number(process.env['PIPELINED'] ?? 20_000);
type Flood = 'files' | 'cap' | 'pipelined';
const FLOODS = (process.env['FLOODS'] ?? 'files,cap,pipelined').split(',') as Flood[];
/** Every COLD_EVERY-th normal request asks for an id not cached yet, so it needs a C1 socket. */
const COLD_EVERY = 5;
/** How long after its last request was due the normal caller's run may take before it is reported unfinished. */
const GRACE_SECONDS = 20;

/**
 * The flood, on a thread of its own: its reconnect loop must not delay the normal caller's requests
 * in this thread. Silent connections send nothing; pipelining ones write `pipelined` requests at
 * once. Each connection the gateway closes is replaced at once.
 */
function startFlood(url: string, connections: number, pipelined: number) {
  const worker = new Worker(
    `const { connect } = require('node:net');
    const { parentPort, workerData } = require('node:worker_threads');
    const body = '{"query":"query Flood { __typename }"}';
    const one = 'POST /graphql HTTP/1.1\\r\\nhost: x\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + body.length + '\\r\\n\\r\\n' + body;
    const burst = workerData.pipelined > 0 ? one.repeat(workerData.pipelined) : '';
    let opened = 0, stopped = false;
    const open = () => {
      if (stopped) return;
      const socket = connect(workerData.port, '127.0.0.1');
      opened += 1;
      socket.on('error', () => undefined);
      // Answers are read and dropped: the connection sees the gateway close it, and comes back.
      if (burst !== '') socket.on('connect', () => socket.write(burst));
      socket.on('data', () => undefined);
      // Through the loop, not at once: a refused connect would otherwise spin.
      socket.on('close', () => setImmediate(open));
    };
    for (let i = 0; i < workerData.connections; i += 1) open();
    parentPort.on('message', () => { stopped = true; parentPort.postMessage(opened); process.exit(0); });`,
    { eval: true, workerData: { port: Number(new URL(url).port), connections, pipelined } },
  );
  return {
    async stop(): Promise<number> {
      worker.postMessage('stop');
      const [opened] = (await once(worker, 'message')) as [number];
      return opened;
    },
  };
}

async function run(kind: Flood) {
  const sandbox = createSandbox({ latencyMs: 5 });
  await sandbox.listen(0);
  const template = sandbox.clients.find((c) => c.deletedAt === null);
  let fresh = 0;
  const freshId = (): string => {
    const id = benchClientId(2_000_000 + fresh++);
    if (template !== undefined) sandbox.addClient({ ...template, id });
    return id;
  };
  const warm = sandbox.clients.filter((c) => c.deletedAt === null).slice(0, 8).map((c) => c.id ?? '');
  const { clientId, clientSecret } = sandbox.credentials;
  const gateway = await startGatewayProcess(
    {
      NODE_ENV: 'production',
      C1_CLIENT_ID: clientId,
      C1_CLIENT_SECRET: clientSecret,
      C1_API_URL: sandbox.url,
      CURSOR_SECRET: 'bench-cursor-secret-not-for-production-use',
      ...(kind === 'pipelined' ? {} : { MAX_CONNECTIONS: String(kind === 'cap' ? CAP : 1_000_000) }),
    },
    productionNodeArgs(),
    'dist',
  );
  // Lowered after start: `files` keeps a cap above what the process may open.
  if (kind !== 'pipelined') execFileSync('prlimit', [`--nofile=${FILES}:${FILES}`, `--pid=${gateway.pid}`]);
  let asked = 0;
  const normalBody = () => oneIdBody(++asked % COLD_EVERY === 0 ? freshId() : (warm[asked % warm.length] ?? ''));
  await runLoad({ url: gateway.url, connections: 4, seconds: 1, overallRate: warm.length, localAddress: '127.0.0.2', headers: { 'content-type': 'application/json' }, nextBody: normalBody });

  const flood = kind === 'pipelined' ? startFlood(gateway.url, PIPELINERS, PIPELINED) : startFlood(gateway.url, SILENT, 0);
  let rssPeak = gateway.rss();
  const cpuBefore = gateway.cpuSeconds();
  const sampling = setInterval(() => (rssPeak = Math.max(rssPeak, gateway.rss())), 250);
  await delay(1000);
  const outcomes = new Map<string, number>();
  const normalRun = runLoad({
    url: gateway.url, connections: 4, seconds: SECONDS, overallRate: NORMAL_RATE, localAddress: '127.0.0.2',
    headers: { 'content-type': 'application/json' }, nextBody: normalBody,
    onResponse: (status, text) => {
      const outcome = outcomeOf(status, text);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    },
  });
  // A starved caller's requests may never be answered: its figures are then what came back in time.
  const normal = await Promise.race([normalRun, delay((SECONDS + GRACE_SECONDS) * 1000, undefined)]);
  // A new connection now, beside the flood.
  const fresh1 = await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => `HTTP ${r.status}`, (e: Error) => `failed (${(e.cause as { code?: string } | undefined)?.code ?? e.message})`);
  const metrics = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), () => '');
  clearInterval(sampling);
  const cpu = gateway.cpuSeconds() - cpuBefore;
  const opened = await flood.stop();
  await gateway.stop();
  await sandbox.close();
  const shed = [...metrics.matchAll(/^c1_gateway_http_connections_shed_total\{kind="(\w+)"\} (\d+)/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ');
  const floodAnswered = [...metrics.matchAll(/^c1_gateway_graphql_requests_total\{operation="Flood",outcome="\w+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const transport = normal === undefined ? `, unfinished ${GRACE_SECONDS} s after the last was due` : normal.errors > 0 ? `, ${normal.errors} transport errors` : '';
  const latency = normal === undefined ? 'latency n/a' : `p50 ${normal.p50Ms.toFixed(1)} ms, p99 ${normal.p99Ms.toFixed(1)} ms`;
  console.log(
    `${kind}: normal caller ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ') || 'no answer'}${transport}; ` +
      `${latency}; a new connection after: ${fresh1}; ` +
      `flood connections opened ${opened}, its requests answered ${floodAnswered}; gateway CPU ${((cpu / (SECONDS + 1)) * 100).toFixed(0)} % of a core; shed: ${shed || 'n/a (no /metrics answer)'}; RSS peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
  );
}

console.log(
  `${SECONDS} s beside a normal caller at ${NORMAL_RATE}/s (1 in ${COLD_EVERY} cold): files and cap, ${SILENT} silent connections ` +
    `(open files ${FILES}, cap ${CAP}); pipelined, ${PIPELINERS} connections of ${PIPELINED} requests`,
);
for (const kind of FLOODS) await run(kind);
