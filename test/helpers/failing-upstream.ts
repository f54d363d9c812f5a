import type { AppDeps } from '../../src/app.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { forwardTo, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { startGateway, type TestGateway } from './gateway.js';

/** The id whose GETs answer 503 in `startBehindFailingUpstream`. */
export const FAILING_ID = '2Fa1L1ngC1ient000000000000';

/**
 * A fake C1 in front of a real sandbox: the real token flow and real data, except that GETs for
 * `failingIds` answer 503. Every request (headers and bodies) is recorded on the returned server.
 */
export function startFailingUpstream(sandbox: Sandbox, failingIds: readonly string[]): Promise<FakeUpstream> {
  const failing = new Set(failingIds.map((id) => `/api/v1/iam/personal_clients/${encodeURIComponent(id)}`));
  const toSandbox = forwardTo((path, init) => fetch(new URL(path, sandbox.url), init));
  return startFakeUpstream((request) =>
    failing.has(request.path) ? { status: 503, body: { code: 14, message: 'unavailable', details: [] } } : toSandbox(request),
  );
}

export interface FailingSetup {
  gw: TestGateway;
  sandbox: Sandbox;
  upstream: FakeUpstream;
}

/**
 * A sandbox, the failing front for FAILING_ID, and an in-process gateway pointed at the front (no
 * retries, so each failure is one attempt). Every part's close is pushed onto `closers`, in start order.
 */
export async function startBehindFailingUpstream(
  closers: (() => Promise<void>)[],
  options: { env?: Record<string, string>; deps?: Partial<Omit<AppDeps, 'config'>>; clock?: () => number } = {},
): Promise<FailingSetup> {
  const { clock } = options;
  const sandbox = createSandbox(clock ? { clock } : {});
  await sandbox.listen(0);
  closers.push(() => sandbox.close());
  const upstream = await startFailingUpstream(sandbox, [FAILING_ID]);
  closers.push(() => upstream.close());
  const gw = await startGateway({
    sandbox,
    env: { C1_API_URL: upstream.origin, UPSTREAM_RETRIES: '0', ...options.env },
    deps: { ...options.deps, ...(clock ? { clock } : {}) },
  });
  closers.push(() => gw.close());
  return { gw, sandbox, upstream };
}
