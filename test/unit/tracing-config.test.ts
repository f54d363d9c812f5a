import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('tracing configuration (the OTEL_* variables)', () => {
  it('is off without an OTLP endpoint', () => {
    expect(load({}).tracing).toBeUndefined();
  });

  it('appends /v1/traces to the base endpoint, and takes the traces endpoint as given', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing?.url).toBe('http://collector:4318/v1/traces');
    expect(
      load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp' }).tracing?.url,
    ).toBe('https://traces.example/otlp');
  });

  it('is off with OTEL_SDK_DISABLED=true whatever the endpoint says', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }).tracing).toBeUndefined();
  });

  it('defaults to the specification: protobuf, parentbased_always_on, the service name, a queue of 2048', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toMatchObject({
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      ratio: 1,
      serviceName: 'c1-gateway',
      maxQueueSize: 2048,
      exportTimeoutMs: 10_000,
    });
  });

  it('reads the sampler, its ratio, the protocol and the headers, the traces-specific ones winning', () => {
    const tracing = load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=one,x-team=a%20b',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=two',
    }).tracing;
    expect(tracing).toMatchObject({ sampler: 'parentbased_traceidratio', ratio: 0.01, protocol: 'http/json', headers: { 'x-api-key': 'two', 'x-team': 'a b' } });
  });

  it('names a malformed header entry by position, never quoting its value', () => {
    const problems = problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-ok=1,sekrit-without-equals' });
    expect(problems).toEqual(['OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value']);
  });

  it('refuses an unknown sampler and a ratio outside 0..1', () => {
    const problems = problemsOf({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']);
  });

  it('keeps the export headers out of the config object itself (they may hold a key)', () => {
    const config = load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=hush' });
    expect(Object.keys(config)).not.toContain('OTEL_EXPORTER_OTLP_HEADERS');
  });

  it('treats the blank OTEL_* lines of .env.example as unset', () => {
    const env = Object.fromEntries(
      readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('OTEL_'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    const config = load({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(config.tracing).toMatchObject({ protocol: 'http/protobuf', ratio: 1, exportTimeoutMs: 10_000 });
    expect(load(env).tracing).toBeUndefined();
  });
});
