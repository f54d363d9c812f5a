import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/loading/limiter.js';
import { SingleFlight } from '../../src/cache/single-flight.js';

describe('createLimiter', () => {
  it('runs at most maxInFlight at once and fails fast with OVERLOADED past the queue bound', async () => {
    const limiter = createLimiter({ maxInFlight: 2, maxQueue: 3 });
    const gates: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const work = () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        gates.push(() => {
          running -= 1;
          resolve();
        });
      });
    const accepted = Array.from({ length: 5 }, () => limiter.run(work));
    await Promise.resolve();
    await expect(limiter.run(work)).rejects.toMatchObject({ code: 'OVERLOADED' });
    while (gates.length > 0 || limiter.active > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(accepted);
    expect(peak).toBe(2);
  });
});

describe('SingleFlight', () => {
  it('shares one promise per key while it is in flight, then forgets it', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const work = async () => ++calls;
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    expect(b.shared).toBe(true);
    expect(await a.promise).toBe(1);
    expect(await b.promise).toBe(1);
    expect(flights.size).toBe(0);
    expect(await flights.run('k', work).promise).toBe(2);
  });

  it('does not leave an unhandled rejection when every waiter has gone', async () => {
    const flights = new SingleFlight<number>();
    flights.run('k', () => Promise.reject(new Error('boom')));
    await new Promise((r) => setImmediate(r));
    expect(flights.size).toBe(0);
  });
});
