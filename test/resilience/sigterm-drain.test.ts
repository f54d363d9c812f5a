import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';

const IN_FLIGHT = 50;
const DRAIN_MS = 30_000;

/** The real entry point, as `node --import tsx src/main.ts`, pointed at a standalone sandbox. */
function startGatewayProcess(sandbox: Sandbox) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      C1_CLIENT_ID: sandbox.credentials.clientId,
      C1_CLIENT_SECRET: sandbox.credentials.clientSecret,
      C1_API_URL: sandbox.url,
      // The limit starts where it may already hold all 50: a 3 s C1 would take a while to teach it.
      UPSTREAM_MAX_IN_FLIGHT: String(IN_FLIGHT),
      UPSTREAM_INITIAL_IN_FLIGHT: String(IN_FLIGHT),
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      // One caller with 50 requests in flight at once: a busy moment of the test runner must not
      // hold it to the saturated-loop admission limit (that is tested in caller-admission.test.ts).
      CALLER_MAX_IN_FLIGHT_BUSY: String(IN_FLIGHT),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.filter((w) => w.match.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const waitForLine = (match: RegExp): Promise<string> => {
    const seen = lines.find((l) => match.test(l));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  return { child, lines, waitForLine };
}

function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('SIGTERM', () => {
  let sandbox: Sandbox | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sandbox?.close();
  });

  it('lets 50 slow in-flight requests finish with data, refuses new connections, then exits 0', { timeout: 90_000 }, async () => {
    sandbox = createSandbox({ latencyMs: 3_000 });
    await sandbox.listen(0);
    const gateway = startGatewayProcess(sandbox);
    child = gateway.child;
    const listening = JSON.parse(await gateway.waitForLine(/listening on/)) as { url: string };
    const url = new URL(listening.url);

    const ids = sandbox.clients.slice(0, IN_FLIGHT).map((c) => c.id as string);
    const responses = ids.map(async (id) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ personalClient(id: "${id}") { id } }` }),
      });
      return { status: response.status, body: (await response.json()) as { data?: { personalClient: { id: string } | null }; errors?: unknown } };
    });
    // All 50 GETs are being answered (slowly) by the sandbox before the signal.
    await vi.waitFor(() => expect(sandbox?.stats.inFlightGets).toBe(IN_FLIGHT), { timeout: 30_000, interval: 20 });

    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    await gateway.waitForLine(/shutting down/);
    // The line is written just before the listener closes, so allow the process that instant.
    await vi.waitFor(async () => expect(await connectionRefused(Number(url.port))).toBe('ECONNREFUSED'), { timeout: 5_000, interval: 10 });
    expect(sandbox.stats.inFlightGets).toBe(IN_FLIGHT); // still in flight after the listener closed

    const results = await Promise.all(responses);
    expect(results.map((r) => r.status)).toEqual(Array(IN_FLIGHT).fill(200));
    expect(results.map((r) => r.body.data?.personalClient?.id)).toEqual(ids);
    expect(results.filter((r) => r.body.errors !== undefined)).toEqual([]);

    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Idle keep-alive sockets were closed as their last response finished: the drain timeout
    // never had to cut them.
    const at = (match: RegExp) => Date.parse((JSON.parse(gateway.lines.find((l) => match.test(l)) ?? '{}') as { time: string }).time);
    expect(at(/shutdown complete/) - at(/shutting down/)).toBeLessThan(DRAIN_MS);
  });
});
