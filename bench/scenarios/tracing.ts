/**
 * tracing: the hot request (one cached id) through three gateways in interleaved rounds: tracing
 * off (no OTLP endpoint: no SDK loaded), on with `parentbased_traceidratio` at 0.01, and on at 100%
 * (`parentbased_always_on`), both exporting OTLP/protobuf to a sink process. Bare Yoga runs beside
 * them, so tracing off can be read against the hot scenario's ratio.
 * Targets: 1% ≥ 0.9 × off; 100% is reported.
 */
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import type { BenchEnv } from '../env.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';
import { errorsOf, measureRounds, need, warmUp, type Measured, type RoundTarget } from '../rounds.js';

export const SAMPLED_RATIO_TARGET = 0.9;
const OFF = 'gateway, tracing off';
const ONE_PERCENT = 'gateway, tracing 1%';
const ALL = 'gateway, tracing 100%';
const YOGA = 'bare Yoga (a)';

export async function tracingScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const body = oneClientBody(SAMPLE_CLIENT_ID);
  const sink = await env.startServer('otlp-sink', { kind: 'otlp-sink' });
  const servers = [sink];
  try {
    const traced = (sampler: string, arg?: string) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: sampler,
      ...(arg === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: arg }),
    });
    const [off, onePercent, all] = await Promise.all([
      env.startGateway('tracing-off'),
      env.startGateway('tracing-1pct', traced('parentbased_traceidratio', '0.01')),
      env.startGateway('tracing-100pct', traced('parentbased_always_on')),
    ]);
    servers.push(off, onePercent, all);
    const bytes = await Promise.all([off, onePercent, all].map((g) => post(g.url, body)));
    const client = (JSON.parse(bytes[0] ?? '') as { data: { personalClient: PersonalClient } }).data.personalClient;
    const yoga = await env.startServer('bare-yoga', { kind: 'bare-yoga', client });
    servers.push(yoga);

    const spec = (url: string) => ({ url, body, headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors });
    const targets: RoundTarget[] = [
      { name: OFF, spec: spec(off.url), server: off },
      { name: ONE_PERCENT, spec: spec(onePercent.url), server: onePercent },
      { name: ALL, spec: spec(all.url), server: all },
      { name: YOGA, spec: spec(yoga.url), server: yoga },
    ];
    await warmUp(env, targets, options.warmupSeconds);
    // measureRounds starts each round one target later: the 100% gateway keeps exporting for a moment
    // after its own run, and the first run of a round has the machine quieter; rotating spreads both.
    const m = await measureRounds(env, targets);
    const [o, p, a, y] = [need(m, OFF), need(m, ONE_PERCENT), need(m, ALL), need(m, YOGA)];
    const dropped = await droppedSpans(all.url);
    const received = await sink.call<{ exports: number; bytes: number }>('received');

    const ratio = (x: Measured, of: Measured) => x.load.reqPerSec / of.load.reqPerSec;
    const cpu = (x: Measured, of: Measured) => (of.cpuMicrosPerRequest ?? NaN) / (x.cpuMicrosPerRequest ?? NaN);
    const row = (server: string, x: Measured, vs?: string): Row => ({
      scenario: 'tracing',
      server,
      reqPerSec: x.load.reqPerSec,
      p50Ms: x.load.p50Ms,
      p99Ms: x.load.p99Ms,
      ...(x.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: x.cpuMicrosPerRequest }),
      ...(vs === undefined ? {} : { vsBaseline: vs }),
    });
    const vsOff = (x: Measured) => `${ratio(x, o).toFixed(2)}× req/s of off, ${cpu(x, o).toFixed(2)}× by CPU per request`;
    return {
      name: 'tracing',
      rows: [
        row(OFF, o, `${ratio(o, y).toFixed(2)}× req/s of (a), ${cpu(o, y).toFixed(2)}× by CPU per request`),
        row(ONE_PERCENT, p, vsOff(p)),
        row(ALL, a, vsOff(a)),
        row(YOGA, y),
      ],
      checks: [
        {
          scenario: 'tracing',
          target: `tracing 1% req/s ≥ ${SAMPLED_RATIO_TARGET} × tracing off`,
          measured: `${ratio(p, o).toFixed(3)}× (${Math.round(p.load.reqPerSec)} vs ${Math.round(o.load.reqPerSec)} req/s); by CPU per request ${cpu(p, o).toFixed(3)}×`,
          pass: ratio(p, o) >= SAMPLED_RATIO_TARGET,
        },
        {
          scenario: 'tracing',
          target: 'no errors',
          measured: [o, p, a].map((x) => `${errorsOf(x)}`).join(' / ') + ' errors (off / 1% / 100%)',
          pass: [o, p, a].every((x) => errorsOf(x) === 0),
        },
      ],
      notes: [
        `${options.connections} connections, ${options.rounds} interleaved rounds of ${options.roundSeconds} s per server, the order rotated each round; ` +
          'no request carries a traceparent, so the sampler decides at the root.',
        `At 100%: ${ratio(a, o).toFixed(2)}× req/s of off (each request exports 2 spans: the operation and its in-process lookup); ` +
          `the sink took ${received.exports} exports (${(received.bytes / 2 ** 20).toFixed(1)} MiB), ` +
          `and the 100% gateway dropped ${dropped} spans (queue full or export failed).`,
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

/** The 100% gateway's dropped-span counter, as an operator reads it. */
async function droppedSpans(origin: string): Promise<string> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith('c1_gateway_trace_spans_dropped_total{'));
  return lines.map((l) => l.replace('c1_gateway_trace_spans_dropped_total', '')).join(', ') || '?';
}

async function post(origin: string, body: string): Promise<string> {
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body });
  const text = await response.text();
  if (!response.ok || !hasNoErrors(text)) throw new Error(`tracing: ${origin} answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}
