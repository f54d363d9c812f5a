import { describe, expect, it } from 'vitest';
import { FairQueue, OVERFLOW_LANE } from '../../src/loading/fair-queue.js';

const drain = (queue: FairQueue<string>) => Array.from({ length: queue.size }, () => queue.shift());

describe('FairQueue', () => {
  it('takes one from each caller in turn, whatever order they queued in', () => {
    const queue = new FairQueue<string>({ maxQueued: 100, maxCallers: 10 });
    for (let i = 1; i <= 4; i++) queue.push('flood', `f${i}`);
    queue.push('trickle', 't1');
    queue.push('trickle', 't2');
    queue.push('third', 'x1');
    expect(drain(queue)).toEqual(['f1', 't1', 'x1', 'f2', 't2', 'f3', 'f4']);
    expect([queue.size, queue.callers]).toEqual([0, 0]);
  });

  it('counts what is served before one more call of a caller: its own, and at most as many turns from each other', () => {
    const queue = new FairQueue<string>({ maxQueued: 100, maxCallers: 10 });
    for (let i = 0; i < 48; i++) queue.push('flood', 'f');
    queue.push('trickle', 't');
    expect(queue.aheadOf('trickle')).toBe(1 + 2);
    expect(queue.aheadOf('newcomer')).toBe(1 + 1);
    expect(queue.aheadOf('flood')).toBe(48 + 1);
  });

  it('keeps at most maxCallers lanes: past the first maxCallers − 1 callers, the rest share one lane, and one turn', () => {
    const queue = new FairQueue<string>({ maxQueued: 100, maxCallers: 3 });
    queue.push('a', 'a1');
    queue.push('a', 'a2');
    queue.push('b', 'b1');
    for (let i = 0; i < 20; i++) queue.push(`hostile-${i}`, `h${i}`);
    expect(queue.callers).toBe(3);
    expect(queue.laneOf('hostile-99')).toBe(OVERFLOW_LANE);
    expect(queue.laneOf('a')).toBe('a');
    expect(drain(queue).slice(0, 5)).toEqual(['a1', 'b1', 'h0', 'a2', 'h1']);
  });

  it('when full, takes the newest entry of the caller queueing most to make room for one queueing less', () => {
    const queue = new FairQueue<string>({ maxQueued: 4, maxCallers: 10 });
    for (let i = 1; i <= 4; i++) expect(queue.push('flood', `f${i}`)).toEqual({ queued: true });
    expect(queue.push('flood', 'f5')).toEqual({ queued: false });
    expect(queue.push('trickle', 't1')).toEqual({ queued: true, evicted: 'f4' });
    expect(queue.push('trickle', 't2')).toEqual({ queued: true, evicted: 'f3' });
    // Now 2 and 2: taking from the flood would only make it the one queueing less.
    expect(queue.push('trickle', 't3')).toEqual({ queued: false });
    expect(drain(queue)).toEqual(['f1', 't1', 'f2', 't2']);
  });

  it('with one lane, serves everyone first come, first served', () => {
    const queue = new FairQueue<string>({ maxQueued: 100, maxCallers: 1 });
    for (const [caller, entry] of [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['a', 'a3']]) queue.push(caller!, entry!);
    expect(queue.callers).toBe(1);
    expect(drain(queue)).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('queues nothing with a bound of zero', () => {
    const queue = new FairQueue<string>({ maxQueued: 0, maxCallers: 10 });
    expect(queue.push('a', 'a1')).toEqual({ queued: false });
    expect(queue.shift()).toBeUndefined();
  });
});
