import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { TestRedis } from '../helpers/redis-server.js';

/** Counts of the L2 events a replica reported, e.g. `l2Lookup:hit`, `l2Error:unavailable`. */
export type L2Events = Map<string, number>;

/** A replica's Redis connection as it reports it (the `l2Connection` event behind the metric). */
export interface RedisLink {
  /** Resolves once the connection is usable (at once if it is). */
  up(): Promise<void>;
  /** Resolves once the replica has noticed that Redis went away (at once if it has). */
  down(): Promise<void>;
  /** Whether the replica ever reported a connection (false without REDIS_URL). */
  readonly reported: boolean;
}

export function recordingObserver(): { observer: Observer; events: L2Events; link: RedisLink } {
  const events: L2Events = new Map();
  const count = (name: string) => (arg: string) => void events.set(`${name}:${arg}`, (events.get(`${name}:${arg}`) ?? 0) + 1);
  let state: 'up' | 'down' | undefined;
  const waiters: { want: 'up' | 'down'; resolve: () => void }[] = [];
  const when = (want: 'up' | 'down') =>
    state === want ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ want, resolve }));
  const l2Connection = (next: 'up' | 'down') => {
    state = next;
    for (const waiter of waiters.splice(0)) {
      if (waiter.want === next) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  return {
    observer: { ...noopObserver, l2Lookup: count('l2Lookup'), l2Error: count('l2Error'), l2Lock: count('l2Lock'), l2Connection },
    events,
    link: { up: () => when('up'), down: () => when('down'), get reported() { return state !== undefined; } },
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
  linkA: RedisLink;
  linkB: RedisLink;
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
  await Promise.all([recA.link.up(), recB.link.up()]);
  return {
    sandbox,
    a,
    b,
    eventsA: recA.events,
    eventsB: recB.events,
    linkA: recA.link,
    linkB: recB.link,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await sandbox.close();
    },
  };
}

/** Resolves once the replica's Redis connection is usable (it reconnects by itself after an outage). */
/** Resolves once a Redis client (one the test made itself) is ready. */
export async function connected(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await once(redis, 'ready');
}

export const byId = (id: string | null | undefined) => `{ personalClient(id: ${JSON.stringify(id)}) { id displayName } }`;
