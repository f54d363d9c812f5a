import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisGuard } from '../../src/cache/redis-guard.js';
import { createLogger } from '../../src/kernel/logger.js';
import { recordingObserver } from './replicas.js';

describe('the Redis call guard', () => {
  let redis: Redis | undefined;
  afterEach(() => redis?.disconnect());

  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: createLogger({ level: 'info', destination }) };
  }

  it('turns calls on a disconnected client into undefined, counting each and logging once per interval', async () => {
    // Never connected: the state of a replica whose Redis is unreachable.
    redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const { observer, events } = recordingObserver();
    const { lines, logger } = capture();
    let now = 1_700_000_000_000;
    const guard = new RedisGuard({ redis, timeoutMs: 50, observer, logger, logIntervalMs: 10_000, clock: () => now });

    for (let i = 0; i < 100; i += 1) expect(await guard.run((r) => r.get('k'))).toBeUndefined();
    expect(events.get('l2Error:unavailable')).toBe(100);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', kind: 'unavailable', suppressed: 0 });

    now += 10_000;
    await guard.run((r) => r.get('k'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ kind: 'unavailable', suppressed: 99 });
  });

  it('never logs the Redis URL, whose password would otherwise leak', async () => {
    redis = new Redis('redis://:hunter2-secret@127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    const { lines, logger } = capture();
    const guard = new RedisGuard({ redis, timeoutMs: 50, logger });
    await guard.run((r) => r.get('k'));
    guard.connectionError(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
