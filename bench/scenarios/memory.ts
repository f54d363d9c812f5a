/**
 * memory: many distinct ids through the cache, whose bound (CACHE_MAX_ENTRIES) must keep the
 * process flat. `personalClients` batches of 100 ids, upstream latency 0 to keep the run short;
 * the gateway's RSS is sampled after the first ids and at the end, each time the same way (the
 * lowest of a few post-GC readings while idle), so it counts what the process retains rather than
 * garbage or heap V8 has freed but not yet returned to the OS.
 * Target: RSS at the end within 20% of RSS after the first sample.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BenchEnv } from '../env.js';
import { gatewayDefaults } from '../env.js';
import { IdSequence } from '../ids.js';
import { runLoad, type LoadResult } from '../load.js';
import { GRAPHQL_HEADERS, hasNoErrors, manyClientsBody } from '../queries.js';
import type { ScenarioResult } from '../report.js';

export const MEMORY_GROWTH_LIMIT = 1.2;
const IDS_PER_QUERY = 100;
/** Few enough that the upstream queue (UPSTREAM_MAX_QUEUE) never overflows: 4 × 100 ids queued at most. */
const CONNECTIONS = 4;
/** RSS readings per sample, spread over BENCH_MEMORY_SETTLE_SECONDS of idle. */
const SETTLE_READINGS = 4;

export async function memoryScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const cacheMax = gatewayDefaults().CACHE_MAX_ENTRIES;
  const ids = new IdSequence(env.poolSize);
  await env.setLatency(0);
  const gateway = await env.startGateway('memory');
  // The settled footprint: V8's memory reducer hands freed heap back at its own moments during
  // idle time, so GC and read RSS a few times while idle and keep the lowest reading.
  const sample = async () => {
    const raw = await gateway.rss();
    let best = await gateway.call<NodeJS.MemoryUsage>('gc');
    for (let i = 0; i < SETTLE_READINGS; i += 1) {
      await delay((options.memorySettleSeconds * 1000) / SETTLE_READINGS);
      const reading = await gateway.call<NodeJS.MemoryUsage>('gc');
      if (reading.rss < best.rss) best = reading;
    }
    return { raw, afterGc: best, cache: await gateway.call<number>('cacheSize') };
  };
  try {
    const phase = (count: number): Promise<LoadResult> =>
      runLoad({
        url: gateway.url,
        headers: GRAPHQL_HEADERS,
        nextBody: () => manyClientsBody(ids.take(IDS_PER_QUERY)),
        connections: CONNECTIONS,
        amount: Math.max(1, Math.round(count / IDS_PER_QUERY)),
        verifyBody: hasNoErrors,
      });
    await env.resetStats();
    const started = performance.now();
    const first = await phase(options.memorySampleAfter);
    const a = await sample();
    const rest = await phase(options.memoryIds - options.memorySampleAfter);
    const b = await sample();
    const rssFirst = a.afterGc.rss;
    const rssEnd = b.afterGc.rss;
    const seconds = (performance.now() - started) / 1000;
    const stats = await env.stats();
    const queries = first.requests + rest.requests;
    const errors = [first, rest].reduce((n, r) => n + r.errors + r.non2xx + r.mismatches, 0);
    const growth = rssEnd / rssFirst;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

    return {
      name: 'memory',
      rows: [
        {
          scenario: `memory (${Math.round(stats.apiGets / 1000)}k ids)`,
          server: 'gateway',
          reqPerSec: queries / seconds,
          p50Ms: rest.p50Ms,
          p99Ms: rest.p99Ms,
          getsPerRequest: stats.apiGets / Math.max(1, queries),
          tokenPosts: stats.tokenRequests,
          rssMiB: rssEnd / 2 ** 20,
          vsBaseline: `RSS ${growth.toFixed(2)}× of first sample`,
        },
      ],
      checks: [
        {
          scenario: 'memory',
          target: `RSS after ${options.memoryIds} ids ≤ ${MEMORY_GROWTH_LIMIT} × RSS after ${options.memorySampleAfter}`,
          measured:
            `${mib(rssFirst)} → ${mib(rssEnd)} MiB (${growth.toFixed(2)}×); heap ${mib(a.afterGc.heapUsed)} → ` +
            `${mib(b.afterGc.heapUsed)} MiB; cache ${a.cache} → ${b.cache} entries`,
          pass: growth <= MEMORY_GROWTH_LIMIT,
        },
        {
          scenario: 'memory',
          target: 'one GET per id, no errors',
          measured: `${stats.apiGets} GETs for ${queries * IDS_PER_QUERY} ids; ${errors} failed queries`,
          pass: stats.apiGets === queries * IDS_PER_QUERY && errors === 0,
        },
      ],
      notes: [
        `${IDS_PER_QUERY} ids per query, ${CONNECTIONS} connections, upstream latency 0 ms, CACHE_MAX_ENTRIES=${cacheMax}; ` +
          `${(stats.apiGets / seconds).toFixed(0)} ids/s including ${2 * options.memorySettleSeconds} s of settling; ` +
          `req/s counts queries. Each sample is the lowest of ${SETTLE_READINGS} post-GC readings over ${options.memorySettleSeconds} s idle; RSS right ` +
          `after the load was ${mib(a.raw)} and ${mib(b.raw)} MiB (garbage and reserved heap, not retained).`,
      ],
    };
  } finally {
    await gateway.close();
    await env.setLatency(options.latencyMs);
  }
}
