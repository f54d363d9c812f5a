/**
 * Runs targets in interleaved rounds (A B A B …) so machine noise hits every target alike, and
 * attributes the sandbox's GET and token counters to the target whose run caused them.
 */
import type { BenchEnv } from './env.js';
import { runLoad, type LoadResult, type LoadSpec } from './load.js';
import { median, medianOf } from './stats.js';
import type { ChildServer } from './processes.js';

export interface RoundTarget {
  name: string;
  spec: LoadSpec;
  /** The process under load, for its CPU time per request. */
  server?: ChildServer;
}

export interface Measured {
  /** Medians over rounds. */
  load: LoadResult;
  rounds: LoadResult[];
  /** Upstream GETs and token POSTs the sandbox saw during this target's runs. */
  gets: number;
  /** List and Search page requests the sandbox saw during this target's runs. */
  pages: number;
  tokenPosts: number;
  /**
   * Median over rounds of the server process's CPU time per completed request, in µs. Less
   * sensitive than req/s to other work on the machine; undefined without `server`.
   */
  cpuMicrosPerRequest: number | undefined;
  /**
   * Medians over rounds of what the rest of the machine spent per completed request: the sandbox
   * (C1) and this process (the load generator). At saturation every process shares the cores, so
   * these bound what any server in front of the sandbox can reach.
   */
  sandboxCpuMicrosPerRequest: number;
  loadCpuMicrosPerRequest: number;
}

/** Unmeasured load on each target for `seconds`, so JIT, pools and caches are warm. */
export async function warmUp(env: BenchEnv, targets: readonly RoundTarget[], seconds: number): Promise<void> {
  if (seconds <= 0) return;
  for (const target of targets) {
    const { amount: _amount, ...spec } = target.spec;
    await runLoad({ ...spec, seconds });
  }
  await env.settle();
}

export async function measureRounds(
  env: BenchEnv,
  targets: readonly RoundTarget[],
  rounds = env.options.rounds,
  seconds = env.options.roundSeconds,
): Promise<Record<string, Measured>> {
  const acc: Record<string, { rounds: LoadResult[]; cpu: number[]; sandboxCpu: number[]; loadCpu: number[]; gets: number; pages: number; tokenPosts: number }> = {};
  for (const t of targets) acc[t.name] = { rounds: [], cpu: [], sandboxCpu: [], loadCpu: [], gets: 0, pages: 0, tokenPosts: 0 };
  for (let round = 0; round < Math.max(1, rounds); round += 1) {
    for (const target of roundOrder(targets, round)) {
      const before = await env.stats();
      const cpuBefore = await target.server?.cpuMicros();
      const sandboxBefore = await env.sandbox.cpuMicros();
      const loadBefore = process.cpuUsage();
      const result = await runLoad({ ...target.spec, seconds });
      const load = process.cpuUsage(loadBefore);
      const sandboxAfter = await env.sandbox.cpuMicros();
      await env.settle();
      const cpuAfter = await target.server?.cpuMicros();
      const after = await env.stats();
      const entry = acc[target.name];
      if (entry === undefined) continue;
      entry.rounds.push(result);
      const perRequest = (micros: number) => micros / Math.max(1, result.requests);
      if (cpuBefore !== undefined && cpuAfter !== undefined) entry.cpu.push(perRequest(cpuAfter - cpuBefore));
      entry.sandboxCpu.push(perRequest(sandboxAfter - sandboxBefore));
      entry.loadCpu.push(perRequest(load.user + load.system));
      entry.gets += after.apiGets - before.apiGets;
      entry.pages += after.apiPages - before.apiPages;
      entry.tokenPosts += after.tokenRequests - before.tokenRequests;
    }
  }
  const out: Record<string, Measured> = {};
  for (const [name, { rounds: r, cpu, sandboxCpu, loadCpu, gets, pages, tokenPosts }] of Object.entries(acc)) {
    out[name] = {
      load: medianOf(r),
      rounds: r,
      gets,
      pages,
      tokenPosts,
      cpuMicrosPerRequest: cpu.length > 0 ? median(cpu) : undefined,
      sandboxCpuMicrosPerRequest: median(sandboxCpu),
      loadCpuMicrosPerRequest: median(loadCpu),
    };
  }
  return out;
}

/** Round `round`'s order: each round starts one target later, so no server always runs first (after the warm-up) or last. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  return targets.map((_, i) => targets[(i + round) % targets.length]!);
}

export function need(m: Record<string, Measured>, name: string): Measured {
  const found = m[name];
  if (found === undefined) throw new Error(`no measurement for ${name}`);
  return found;
}

/** Failed requests of every kind: connection errors, timeouts, non-2xx, GraphQL errors. */
export function errorsOf(x: Measured): number {
  return x.load.errors + x.load.non2xx + x.load.mismatches;
}

/** What the sandbox saw for a fixed number of requests, every one of them answered. */
export interface Counted {
  requests: number;
  /** Failed requests of every kind, as `errorsOf`. */
  errors: number;
  gets: number;
  pages: number;
  tokenPosts: number;
}

/**
 * Upstream calls per request, exactly. A timed round cannot give this: it ends with up to
 * `connections` requests cut off, whose C1 calls still go out and are counted while the requests
 * are not (1.28–1.37 Searches per request read as "one"). Here a fixed number of requests is sent
 * and every answer awaited (autocannon's `amount`), and the counters are read once the server is
 * idle, so each call counted was caused by a request counted.
 * @param amount requests to send; at least `connections` (autocannon gives each connection its share).
 */
export async function countCalls(env: BenchEnv, target: RoundTarget, amount = 10 * target.spec.connections): Promise<Counted> {
  await env.settle();
  const before = await env.stats();
  const result = await runLoad({ ...target.spec, amount: Math.max(amount, target.spec.connections) });
  await env.settle();
  const after = await env.stats();
  return {
    requests: result.requests,
    errors: result.errors + result.non2xx + result.mismatches,
    gets: after.apiGets - before.apiGets,
    pages: after.apiPages - before.apiPages,
    tokenPosts: after.tokenRequests - before.tokenRequests,
  };
}
