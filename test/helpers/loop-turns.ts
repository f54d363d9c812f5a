import { setImmediate as turn } from 'node:timers/promises';
import { expect } from 'vitest';

/** Waits, turn by turn of the event loop, until `condition` holds (what a server reports); no timers. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i += 1) await turn();
  expect(condition()).toBe(true);
}

/** Lets the event loop go round `count` times. */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await turn();
}
