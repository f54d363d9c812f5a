/**
 * A closed loop (closed-loop.ts) on its own thread. The hostile callers send as fast as the gateway
 * answers; on the harness's own event loop they would also slow the sandbox (C1) and the normal
 * caller's clock, and the run would measure the harness, not the gateway. What the thread sends is
 * described by data (fixed bodies, or lists of ids never asked before), so it can be posted to it.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startClosedLoop, type ClosedLoop } from './closed-loop.js';
import { manyIdsBody } from './hostile-bodies.js';
import { OutcomeTally } from './outcomes.js';

export interface ThreadLoopSpec {
  url: string;
  localAddress: string;
  workers: number;
  /** What to send: worker `w`'s `n`-th request is `bodies[(w + n) % bodies.length]`, or ... */
  bodies?: { kind: string; body: string }[];
  /** ... `personalClients` of this many ids nobody asked for before (C1 answers 404 for them: still a call each). */
  freshIds?: { kind: string; perRequest: number; prefix: string };
}

type Command = 'stop' | 'abort';

/** Starts the loop on a new thread; `tallies` fills in when `stop()` resolves. */
export function startClosedLoopThread(spec: ThreadLoopSpec): ClosedLoop {
  // The thread runs this very module through tsx, like the harness: a thread does not inherit the
  // harness's loader, so it registers tsx first.
  const entry = JSON.stringify(import.meta.url);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); })`;
  const thread = new Worker(bootstrap, { eval: true, workerData: spec });
  const tallies = new Map<string, OutcomeTally>();
  const finished = new Promise<void>((resolve, reject) => {
    thread.once('message', (fields: Map<string, OutcomeTally>) => {
      fields.forEach((tally, kind) => tallies.set(kind, OutcomeTally.from(tally)));
      resolve();
    });
    thread.once('error', reject);
  });
  const send = (command: Command) => thread.postMessage(command);
  return {
    tallies,
    async stop() {
      send('stop');
      await finished;
      await thread.terminate();
    },
    abort: () => send('abort'),
  };
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const spec = workerData as ThreadLoopSpec;
  const { bodies = [], freshIds } = spec;
  let fresh = 0;
  const loop: ClosedLoop = startClosedLoop({
    url: spec.url,
    localAddress: spec.localAddress,
    workers: spec.workers,
    next: (worker, sent) =>
      freshIds === undefined
        ? (bodies[(worker + sent) % bodies.length] as { kind: string; body: string })
        : { kind: freshIds.kind, body: manyIdsBody(Array.from({ length: freshIds.perRequest }, () => `${freshIds.prefix}-${fresh++}`)) },
  });
  port.on('message', (command: Command) => {
    if (command === 'abort') loop.abort();
    else void loop.stop().then(() => port.postMessage(loop.tallies));
  });
}
