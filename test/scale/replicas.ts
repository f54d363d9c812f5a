import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { TestRedis } from '../helpers/redis-server.js';

/** Counts of the L2 events a replica reported, e.g. `l2Lookup:hit`, `l2Error:unavailable`. */
export type L2Events = Map<string, number>;

export function recordingObserver(): { observer: Observer; events: L2Events } {
  const events: L2Events = new Map();
  const count = (name: string) => (arg: string) => void events.set(`${name}:${arg}`, (events.get(`${name}:${arg}`) ?? 0) + 1);
  return {
    observer: { ...noopObserver, l2Lookup: count('l2Lookup'), l2Error: count('l2Error'), l2Lock: count('l2Lock') },
    events,
  };
}

/**
 * A Redis budget with room for a loaded CI machine, where a stalled event loop can outlast the 50 ms
 * default: a spurious fallback would add an upstream GET and fail a count. Tests of the budget set their own.
 */
export const SLACK = { REDIS_TIMEOUT_MS: '1000' };

export interface Replicas {
  sandbox: Sandbox;
  a: TestGateway;
  b: TestGateway;
  eventsA: L2Events;
  eventsB: L2Events;
  close(): Promise<void>;
}

/** One sandbox (fake C1), two gateway replicas sharing one Redis, both connected before returning. */
export async function startReplicas(
  redis: TestRedis,
  options: { env?: Record<string, string>; sandboxOptions?: SandboxOptions } = {},
): Promise<Replicas> {
  const sandbox = createSandbox(options.sandboxOptions);
  await sandbox.listen(0);
  const env = { REDIS_URL: redis.url, ...SLACK, ...options.env };
  const recA = recordingObserver();
  const recB = recordingObserver();
  const a = await startGateway({ sandbox, env, deps: { observer: recA.observer } });
  const b = await startGateway({ sandbox, env, deps: { observer: recB.observer } });
  await Promise.all([connected(a.app.redis), connected(b.app.redis)]);
  return {
    sandbox,
    a,
    b,
    eventsA: recA.events,
    eventsB: recB.events,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await sandbox.close();
    },
  };
}

/** Resolves once the replica's Redis connection is usable (it reconnects by itself after an outage). */
export async function connected(redis: Redis | undefined): Promise<void> {
  if (redis === undefined) throw new Error('the gateway has no Redis connection: is REDIS_URL set?');
  if (redis.status !== 'ready') await once(redis, 'ready');
}

/** Resolves once the replica has noticed that Redis went away. */
export async function disconnected(redis: Redis | undefined): Promise<void> {
  if (redis !== undefined && redis.status === 'ready') await once(redis, 'close');
}

export const byId = (id: string | null | undefined) => `{ personalClient(id: ${JSON.stringify(id)}) { id displayName } }`;
