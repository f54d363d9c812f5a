import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JIT_AFTER_EXECUTIONS } from '../../src/graphql/jit.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };

const ONE = 'query One($id: ID!) { personalClient(id: $id) { id } }';
const MANY = 'query Many($ids: [ID!]!) { personalClients(ids: $ids) { id } }';
const ENTITIES = 'query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { id } } }';

/** Each input is wrong in a way only the caller can fix; none may reach C1. */
const BAD_INPUTS: { name: string; query: string; variables: Record<string, unknown>; reason?: string }[] = [
  { name: 'a float for an ID! variable', query: ONE, variables: { id: 1.5 } },
  { name: 'an object for an ID! variable', query: ONE, variables: { id: { nested: true } } },
  { name: 'a missing required variable', query: ONE, variables: {} },
  { name: 'null inside an [ID!]! list', query: MANY, variables: { ids: ['a', null] } },
  { name: 'null inside the representations list', query: ENTITIES, variables: { r: [null] } },
  { name: 'a representation without __typename', query: ENTITIES, variables: { r: [{ id: 'x' }] }, reason: 'INVALID_REPRESENTATION' },
  { name: 'a representation of an unknown type', query: ENTITIES, variables: { r: [{ __typename: 'Foo', id: 'x' }] }, reason: 'INVALID_REPRESENTATION' },
  { name: 'a representation without an id', query: ENTITIES, variables: { r: [{ __typename: 'PersonalClient' }] }, reason: 'INVALID_REPRESENTATION' },
  { name: 'a representation with a numeric id', query: ENTITIES, variables: { r: [{ __typename: 'PersonalClient', id: 5 }] }, reason: 'INVALID_REPRESENTATION' },
  { name: 'a representation that is a string', query: ENTITIES, variables: { r: ['str'] }, reason: 'INVALID_REPRESENTATION' },
];

describe('every bad input is typed BAD_USER_INPUT, before and after the document is compiled', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.resetStats());

  it.each(BAD_INPUTS)('$name: the same typed error on every run, compiled or not, and no upstream call', async (input) => {
    const seen = new Set<string>();
    // A good run between bad ones keeps the document executing, so it is compiled along the way.
    for (let run = 0; run < JIT_AFTER_EXECUTIONS + 5; run++) {
      const body = (await gw.query(input.query, input.variables)) as Body;
      expect(body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
      for (const error of body.errors ?? []) {
        expect(error.extensions?.code, error.message).toBe('BAD_USER_INPUT');
        if (input.reason !== undefined) expect(error.extensions?.reason).toBe(input.reason);
        seen.add(JSON.stringify(error));
      }
    }
    // Before and after the compile, the caller sees one and the same answer.
    expect([...seen]).toEqual([[...seen][0]]);
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });
});

describe('logging caller mistakes', () => {
  it('logs them at info without a stack, a bounded number per 10 s, then says how many it held back', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const gw = await startGateway({ deps: { logger: createLogger({ level: 'info', destination }), clock: () => now } });
    try {
      for (let i = 0; i < 60; i++) await gw.query(ONE, { id: 1.5 });
      const mistakes = () => lines.filter((l) => l['msg'] === 'caller error');
      expect(mistakes()).toHaveLength(20);
      for (const line of mistakes()) {
        expect(line).toMatchObject({ level: 'info', code: 'BAD_USER_INPUT' });
        expect(JSON.stringify(line)).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
      }
      expect(lines.filter((l) => l['level'] === 'error')).toEqual([]);
      now += 10_000;
      await gw.query(ONE, { id: 1.5 });
      expect(mistakes().at(-1)).toMatchObject({ suppressed: 40 });
    } finally {
      await gw.close();
    }
  });
});
