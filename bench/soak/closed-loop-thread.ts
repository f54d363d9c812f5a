/**
 * A closed loop (closed-loop.ts) on its own thread. The amplification callers send ~100 KiB bodies
 * as fast as the gateway answers; on the harness's own event loop they would also slow the
 * sandbox (C1) and the normal caller's clock, and the run would measure the harness, not the
 * gateway. The thread cycles through fixed bodies, so everything it needs can be posted to it.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startClosedLoop, type ClosedLoop } from './closed-loop.js';
import { OutcomeTally } from './outcomes.js';

export interface ThreadLoopSpec {
  url: string;
  localAddress: string;
  workers: number;
  /** Worker `w`'s `n`-th request is `bodies[(w + n) % bodies.length]`. */
  bodies: { kind: string; body: string }[];
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
  const loop: ClosedLoop = startClosedLoop({
    url: spec.url,
    localAddress: spec.localAddress,
    workers: spec.workers,
    next: (worker, sent) => spec.bodies[(worker + sent) % spec.bodies.length] as { kind: string; body: string },
  });
  port.on('message', (command: Command) => {
    if (command === 'abort') loop.abort();
    else void loop.stop().then(() => port.postMessage(loop.tallies));
  });
}
