/** The real gateway (`node --import tsx src/main.ts`, or the build) as a child process a soak can watch. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

const START_TIMEOUT_MS = 60 * 1000; // tsx compiles the gateway on start; slow on a busy machine

/** What the child runs: the sources through tsx, or the compiled build `npm start` runs (build it first). */
export type GatewayEntry = 'src' | 'dist';
const ENTRY_ARGS: Record<GatewayEntry, string[]> = {
  src: ['--import', 'tsx', 'src/main.ts'],
  dist: ['dist/main.js'],
};

export interface GatewayProcess {
  url: string;
  pid: number;
  alive(): boolean;
  /** How it ended (exit code, or the signal that killed it); undefined while it runs. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number;
  /** CPU time (user + system) used so far, in seconds, from /proc (Linux). */
  cpuSeconds(): number;
  /** Log lines at level error or fatal, and anything on stderr (crashes, warnings). */
  readonly problems: string[];
  /** SIGTERM, then the exit code (null if it died by a signal). */
  stop(): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startGatewayProcess(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  entry: GatewayEntry = 'src',
): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, ...ENTRY_ARGS[entry]], {
    env: { PATH: process.env['PATH'] ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const problems: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (/"level":"(error|fatal)"/.test(line)) problems.push(line.slice(0, 300));
  });
  createInterface({ input: child.stderr }).on('line', (line) => problems.push(line.slice(0, 300)));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  // Logs stay at warn (20,000 request lines would cost more than the gateway), so poll /health.
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`gateway exited at start:\n${problems.join('\n')}`);
    if (waited > START_TIMEOUT_MS) throw new Error('gateway did not answer /health within 60 s');
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await delay(100);
  }

  return {
    url,
    pid: child.pid ?? 0,
    alive: () => child.exitCode === null && child.signalCode === null,
    exitStatus: () =>
      child.exitCode === null && child.signalCode === null ? undefined : { code: child.exitCode, signal: child.signalCode },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    cpuSeconds() {
      // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name; in clock ticks (100/s).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    problems,
    async stop() {
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
