/**
 * herd: many simultaneous requests for one uncached id. The upstream latency is raised for the
 * herd so every request arrives while the first GET is still out; all must share it.
 * Target: exactly 1 GET per herd, no errors.
 */
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { ScenarioResult } from '../report.js';
import { errorsOf, measureRounds, need } from '../rounds.js';

export async function herdScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const size = options.herdRequests;
  const gateway = await env.startGateway('herd');
  const ids = new IdSequence(env.poolSize);
  try {
    // Warm-up with another id: the token and a pooled upstream connection exist before the herd.
    await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: oneClientBody(ids.next()) });
    await env.setLatency(options.herdLatencyMs);
    const herds = [];
    for (let round = 0; round < Math.max(1, options.rounds); round += 1) {
      const m = await measureRounds(
        env,
        [
          {
            name: 'herd',
            spec: {
              url: gateway.url,
              headers: GRAPHQL_HEADERS,
              body: oneClientBody(ids.next()),
              connections: size,
              amount: size,
              verifyBody: hasNoErrors,
            },
          },
        ],
        1,
      );
      herds.push(need(m, 'herd'));
    }
    const gets = herds.map((h) => h.gets);
    const requests = herds.reduce((n, h) => n + h.load.requests, 0);
    const errors = herds.reduce((n, h) => n + errorsOf(h), 0);
    const mid = [...herds].sort((x, y) => x.load.p50Ms - y.load.p50Ms)[Math.floor(herds.length / 2)] ?? herds[0];
    return {
      name: 'herd',
      rows: [
        {
          scenario: `herd (${size} × 1 id)`,
          server: 'gateway',
          ...(mid ? { reqPerSec: mid.load.reqPerSec, p50Ms: mid.load.p50Ms, p99Ms: mid.load.p99Ms } : {}),
          getsPerRequest: gets.reduce((a, b) => a + b, 0) / Math.max(1, requests),
          tokenPosts: herds.reduce((n, h) => n + h.tokenPosts, 0),
          rssMiB: (await gateway.rss()) / 2 ** 20,
        },
      ],
      checks: [
        {
          scenario: 'herd',
          target: `exactly 1 GET per herd of ${size}, no errors`,
          measured: `${gets.join(', ')} GET(s) for ${herds.length} herd(s) of ${size}; ${errors} errors`,
          pass: gets.every((g) => g === 1) && requests === size * herds.length && errors === 0,
        },
      ],
      notes: [
        `${size} connections, one request each, ${herds.length} herd(s), each for a fresh id; upstream latency ` +
          `${options.herdLatencyMs} ms during the herd, so p50 near it means the requests waited on the one shared GET.`,
      ],
    };
  } finally {
    await env.setLatency(options.latencyMs);
    await gateway.close();
  }
}
