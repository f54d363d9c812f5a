import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

/** The redis-server binary on PATH (Debian's `redis-server` package), or undefined. */
export const redisServerBinary: string | undefined = findOnPath('redis-server');

/**
 * Whether Redis-backed tests can run here. Without the binary they are skipped with a message, except
 * in CI (`CI` set), where a missing binary is a broken setup and fails the run instead.
 */
export function redisAvailable(): boolean {
  if (redisServerBinary !== undefined) return true;
  if (process.env['CI']) {
    throw new Error('redis-server is not installed, and CI must run the Redis tests (.ci/run installs it)');
  }
  console.warn('SKIPPED: Redis tests need a redis-server binary on PATH (apt-get install -y redis-server)');
  return false;
}

export interface TestRedis {
  url: string;
  port: number;
  /** A plain client for inspecting keys and poking the server (queues while the server is down). */
  admin: Redis;
  /** Stops the server process (its data goes with it: no persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A throwaway redis-server child on a free port, with persistence off. */
export async function startRedisServer(): Promise<TestRedis> {
  const binary = redisServerBinary;
  if (binary === undefined) throw new Error('redis-server not found on PATH');
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(binary, port);
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: null });
  admin.on('error', () => undefined); // expected while the server is stopped on purpose
  await admin.connect();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    admin,
    async stop() {
      if (child !== undefined) await kill(child);
      child = undefined;
    },
    async start() {
      child ??= await spawnRedis(binary, port);
    },
    async close() {
      admin.disconnect();
      if (child !== undefined) await kill(child);
      child = undefined;
    },
  };
}

function spawnRedis(binary: string, port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
