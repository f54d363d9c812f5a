/**
 * search: the first page of 25 of `searchPersonalClients`, with cursors and every field.
 * - cold: each request a different filter (one seeded user's clients, in turn), so no two requests
 *   in a row ask C1 the same thing;
 * - hot: the same first page over and over.
 * Pages are not cached across requests (a stale page would hide a new or deleted credential), so
 * both cost one C1 Search per request: the figures show what a listing costs, and that its clients
 * are primed (the by-id row after it costs no GET).
 * Target: exactly one Search and no GET per request, no errors, counted over requests that were
 * all answered (rounds.ts `countCalls`).
 */
import { SEED_USER_IDS } from '../../src/sandbox/index.js';
import type { BenchEnv } from '../env.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody, searchBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';
import { countCalls, errorsOf, measureRounds, need, warmUp, type Counted, type Measured, type RoundTarget } from '../rounds.js';

export async function searchScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const gateway = await env.startGateway('search');
  try {
    let turn = 0;
    const base = { url: gateway.url, headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors };
    const coldSpec = { ...base, nextBody: () => searchBody({ userIds: [SEED_USER_IDS[turn++ % SEED_USER_IDS.length] as string] }) };
    const hotSpec = { ...base, body: searchBody({}) };
    const cold: RoundTarget = { name: 'search cold', spec: coldSpec, server: gateway };
    const hot: RoundTarget = { name: 'search hot', spec: hotSpec, server: gateway };
    const targets = [cold, hot];
    await warmUp(env, targets, options.warmupSeconds);
    const m = await measureRounds(env, targets);
    const [c, h] = [need(m, 'search cold'), need(m, 'search hot')];
    // Calls per request from passes whose every request is answered (see countCalls): the timed
    // rounds end with Searches in flight for requests they never count.
    const [cc, hc] = [await countCalls(env, cold), await countCalls(env, hot)];

    // Every client the hot search listed is primed: reading one by id right after costs no GET.
    const listed = await firstListedId(gateway.url);
    const before = (await env.stats()).apiGets;
    const byId = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: oneClientBody(listed) });
    const byIdOk = byId.ok && hasNoErrors(await byId.text());
    const byIdGets = (await env.stats()).apiGets - before;

    const perRequest = (x: Counted, n: number) => n / Math.max(1, x.requests);
    const exact = (x: Counted) => x.pages === x.requests && x.gets === 0 && x.errors === 0;
    const row = (name: string, x: Measured, counted: Counted): Row => ({
      scenario: name,
      server: 'gateway',
      reqPerSec: x.load.reqPerSec,
      p50Ms: x.load.p50Ms,
      p99Ms: x.load.p99Ms,
      ...(x.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: x.cpuMicrosPerRequest }),
      getsPerRequest: perRequest(counted, counted.gets),
      tokenPosts: x.tokenPosts,
      vsBaseline: `${perRequest(counted, counted.pages).toFixed(2)} C1 Searches/req`,
    });
    return {
      name: 'search',
      rows: [row('search cold (first 25)', c, cc), row('search hot (first 25)', h, hc)],
      checks: [
        {
          scenario: 'search',
          target: 'one C1 Search and no GET per request, no errors',
          measured:
            `cold ${cc.pages} Searches / ${cc.requests} requests, ${cc.gets} GETs, ${cc.errors + errorsOf(c)} errors; ` +
            `hot ${hc.pages} / ${hc.requests}, ${hc.gets} GETs, ${hc.errors + errorsOf(h)} errors`,
          pass: exact(cc) && exact(hc) && errorsOf(c) + errorsOf(h) === 0,
        },
        {
          scenario: 'search',
          target: 'a listed client read by id right after costs no GET (primed)',
          measured: `${byIdGets} GETs${byIdOk ? '' : ', with errors'}`,
          pass: byIdOk && byIdGets === 0,
        },
      ],
      notes: [
        `upstream latency ${options.latencyMs} ms on every C1 call; ${options.connections} connections, ` +
          `${options.rounds} interleaved rounds of ${options.roundSeconds} s. Pages are not cached across requests, ` +
          'so hot and cold both make one Search each; 25 clients with every field and a cursor per edge.',
      ],
    };
  } finally {
    await gateway.close();
  }
}

async function firstListedId(origin: string): Promise<string> {
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: searchBody({}) });
  const body = (await response.json()) as { data?: { searchPersonalClients?: { edges: { node: { id: string } }[] } } };
  const id = body.data?.searchPersonalClients?.edges[0]?.node.id;
  if (id === undefined) throw new Error(`search: no client listed: ${JSON.stringify(body).slice(0, 200)}`);
  return id;
}
