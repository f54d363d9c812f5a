/**
 * Watches a gateway process under load: RSS sampled often enough to catch a peak, a coarser
 * timeline beside an upstream counter, and the moment and manner of its death if it dies. Stopping
 * it is bounded: SIGTERM, then SIGKILL, so a wedged gateway cannot hang the run.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayProcess } from './gateway-process.js';

/** @default 250 — between RSS readings (ms). */
export const SAMPLE_MS = 250;
/** @default 5_000 — between timeline points (ms). */
export const TIMELINE_MS = 5_000;
/** @default 15_000 — from SIGTERM to SIGKILL (ms): the gateway drains for up to SHUTDOWN_DRAIN_MS (10 s). */
export const KILL_AFTER_MS = 15_000;
/** @default 5_000 — the most `quiet` waits (ms). */
export const QUIET_TIMEOUT_MS = 5_000;

export interface Death {
  atSeconds: number;
  code: number | null;
  signal: string | null;
}

/** How the harness's stop went. */
export interface Ending {
  code: number | null;
  signal: string | null;
  /** It did not exit within KILL_AFTER_MS of SIGTERM. */
  killed: boolean;
  /** It had died before the stop. */
  alreadyDead: boolean;
}

export function watchGateway(gateway: GatewayProcess, upstreamCount: () => number) {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let last = 0;
  let peak = 0;
  let death: Death | undefined;
  let nextPoint = TIMELINE_MS;
  const timeline: { t: number; rss: number; gets: number }[] = [];

  const sample = (): void => {
    if (death !== undefined) return;
    const ended = gateway.exitStatus();
    if (ended !== undefined) {
      death = { atSeconds: seconds(), ...ended };
      return;
    }
    try {
      last = gateway.rss();
      peak = Math.max(peak, last);
    } catch {
      return; // gone between the check and the read: the next sample records the death
    }
    if (seconds() * 1000 >= nextPoint) {
      timeline.push({ t: seconds(), rss: last, gets: upstreamCount() });
      nextPoint += TIMELINE_MS;
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let stopping: Promise<Ending> | undefined;

  return {
    timeline,
    lastRss: () => last,
    rssPeak: () => peak,
    death: () => death,
    elapsedSeconds: seconds,
    /** Waits (bounded) until `done` holds, e.g. no upstream call left in flight. */
    async quiet(done: () => boolean): Promise<void> {
      for (let waited = 0; !done() && waited < QUIET_TIMEOUT_MS; waited += 50) await delay(50);
    },
    /** Stops watching and the gateway: SIGTERM, and SIGKILL if it has not exited KILL_AFTER_MS later. */
    stop(): Promise<Ending> {
      stopping ??= (async (): Promise<Ending> => {
        sample();
        clearInterval(timer);
        if (death !== undefined) return { code: death.code, signal: death.signal, killed: false, alreadyDead: true };
        let killed = false;
        const killer = setTimeout(() => {
          killed = gateway.alive();
          if (killed) process.kill(gateway.pid, 'SIGKILL');
        }, KILL_AFTER_MS);
        await gateway.stop();
        clearTimeout(killer);
        const status = gateway.exitStatus();
        return { code: status?.code ?? null, signal: status?.signal ?? null, killed, alreadyDead: false };
      })();
      return stopping;
    },
  };
}
