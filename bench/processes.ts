/** Parent side of child.ts: starts a server in its own Node process and calls its commands. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildSpec } from './child.js';

const CHILD = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './child.ts' : './child.js', import.meta.url));
const START_TIMEOUT_MS = 30 * 1000; // tsx compiles on first load; a busy 2-core machine is slow

export interface ChildServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  call<T = unknown>(cmd: string, ...args: unknown[]): Promise<T>;
  /** Resident set size of the server's process, in bytes. */
  rss(): Promise<number>;
  /** CPU time (user + system) the server's process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

export interface SpawnOptions {
  /** Extra Node flags for this process, e.g. `--cpu-prof`. */
  execArgv?: string[];
}

type Reply = { ready: string } | { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export async function spawnServer(name: string, spec: ChildSpec, options: SpawnOptions = {}): Promise<ChildServer> {
  // Source runs need tsx's loader in the child too; a compiled harness runs plain JS.
  const loader = CHILD.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child: ChildProcess = fork(CHILD, [JSON.stringify(spec)], {
    execArgv: [...loader, ...(options.execArgv ?? [])],
    // Logs go nowhere: draining them would cost the harness CPU, and the gateway still formats them.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited with code ${code}`));
      pending.clear();
      resolve();
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
    child.on('message', (message: Reply) => {
      if ('ready' in message) {
        clearTimeout(timer);
        resolve(message.ready);
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(`${name}: ${message.error}`));
    });
  });

  const call = <T>(cmd: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, args });
    });

  return {
    name,
    url,
    pid: child.pid ?? -1,
    call,
    rss: async () => (await call<NodeJS.MemoryUsage>('memory')).rss,
    cpuMicros: async () => {
      const { user, system } = await call<NodeJS.CpuUsage>('cpu');
      return user + system;
    },
    async close() {
      if (child.exitCode !== null) return;
      // The child exits by itself after closing (so --cpu-prof writes its profile); kill if it hangs.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 1000);
      await call('close').catch(() => {});
      await exited;
      clearTimeout(timer);
    },
  };
}
