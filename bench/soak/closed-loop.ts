/**
 * Hostile callers as a closed loop: each worker sends its next body as soon as the last answer is
 * read, from one source address, until told to stop. A stop lets answers in flight finish; `abort`
 * cuts them, so a gateway that stopped answering cannot hang the run.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { OutcomeTally, readOutcome, transportOutcome } from './outcomes.js';

/** @default 100 — pause after a transport error, so a dead gateway is not hammered in a tight loop (ms). */
export const TRANSPORT_ERROR_PAUSE_MS = 100;

export interface ClosedLoopSpec {
  url: string;
  /** Source address of every connection, i.e. who the gateway thinks is calling. */
  localAddress: string;
  workers: number;
  /** The next request of worker `worker`: which tally it counts in, and its body. */
  next(worker: number, sent: number): { kind: string; body: string };
}

export interface ClosedLoop {
  /** Per kind of request. */
  readonly tallies: Map<string, OutcomeTally>;
  /** Sends nothing more; resolves when every worker has its last answer (or its abort). */
  stop(): Promise<void>;
  /** Cuts the requests still in flight; they count as `aborted at end of run`. */
  abort(): void;
}

export function startClosedLoop(spec: ClosedLoopSpec): ClosedLoop {
  const pool = new Pool(spec.url, { connections: Math.max(1, spec.workers), localAddress: spec.localAddress });
  const tallies = new Map<string, OutcomeTally>();
  const cut = new AbortController();
  setMaxListeners(0, cut.signal); // every request in flight listens on it
  let stopping = false;
  let sent = 0;

  const tally = (kind: string): OutcomeTally => {
    let found = tallies.get(kind);
    if (found === undefined) tallies.set(kind, (found = new OutcomeTally()));
    return found;
  };
  const worker = async (index: number): Promise<void> => {
    while (!stopping) {
      const { kind, body } = spec.next(index, sent++);
      const started = performance.now();
      try {
        const response = await pool.request({
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': 'application/json' },
          body,
          signal: cut.signal,
        });
        const { outcome, bytes } = await readOutcome(response);
        tally(kind).add(outcome, performance.now() - started, bytes);
      } catch (error) {
        tally(kind).add(cut.signal.aborted ? 'aborted at end of run' : transportOutcome(error), performance.now() - started);
        if (!stopping) await delay(TRANSPORT_ERROR_PAUSE_MS);
      }
    }
  };
  const done = Promise.all(Array.from({ length: spec.workers }, (_, i) => worker(i)));

  return {
    tallies,
    async stop() {
      stopping = true;
      await done;
      await pool.destroy();
    },
    abort: () => cut.abort(),
  };
}
