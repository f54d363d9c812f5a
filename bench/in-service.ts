/**
 * A gateway in service has its cache full and its C1 limit learnt; a fresh one spends its first
 * CACHE_MAX_ENTRIES cold reads growing the cache and the heap, warming the JIT, and growing the limit
 * from its initial value. Scenarios that measure cold reads put their gateways in service first, with
 * that many cold reads of the pool's last ids, which no measured round reaches.
 */
import { loadConfig } from '../src/config.js';
import type { BenchEnv } from './env.js';
import { IdSequence } from './ids.js';
import { runLoad } from './load.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from './queries.js';

/** The cold reads a gateway is put in service with: its default CACHE_MAX_ENTRIES. */
export const IN_SERVICE_READS = loadConfig({}).CACHE_MAX_ENTRIES;

/** Fills each gateway's cache from the pool's last ids, then waits until the sandbox has settled. */
export async function putInService(env: BenchEnv, urls: string[]): Promise<void> {
  for (const url of urls) {
    const fill = new IdSequence(env.poolSize, env.poolSize - IN_SERVICE_READS);
    await runLoad({
      url,
      headers: GRAPHQL_HEADERS,
      connections: env.options.connections,
      verifyBody: hasNoErrors,
      nextBody: () => oneClientBody(fill.next()),
      amount: IN_SERVICE_READS,
    });
  }
  await env.settle();
}
