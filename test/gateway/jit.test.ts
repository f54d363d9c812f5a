import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIT_AFTER_EXECUTIONS, useHotDocumentJit } from '../../src/graphql/jit.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { FAILING_ID, startBehindFailingUpstream } from '../helpers/failing-upstream.js';

function yogaWithJit(compiled: string[]) {
  return createYoga({
    schema: createSchema({
      typeDefs: 'type Query { a: String!, b(n: Int!): Int! }',
      resolvers: { Query: { a: () => 'A', b: (_: unknown, { n }: { n: number }) => n * 2 } },
    }),
    plugins: [useHotDocumentJit({ onCompiled: (document) => compiled.push(document.loc?.source.body ?? '?') })],
  });
}

async function run(yoga: ReturnType<typeof yogaWithJit>, body: object): Promise<string> {
  const response = await yoga.fetch('http://gw/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.text();
}

describe('graphql-jit for hot documents', () => {
  it(`compiles a document on its ${JIT_AFTER_EXECUTIONS}th execution, once, and answers the same before and after`, async () => {
    const compiled: string[] = [];
    const yoga = yogaWithJit(compiled);
    const answers: string[] = [];
    for (let i = 1; i <= JIT_AFTER_EXECUTIONS + 5; i += 1) {
      answers.push(await run(yoga, { query: 'query Q($n: Int!) { a b(n: $n) }', variables: { n: 21 } }));
      expect(compiled.length).toBe(i < JIT_AFTER_EXECUTIONS ? 0 : 1);
    }
    expect(new Set(answers)).toEqual(new Set(['{"data":{"a":"A","b":42}}']));
  });

  it('never compiles a document seen only a few times, such as one with a literal id', async () => {
    const compiled: string[] = [];
    const yoga = yogaWithJit(compiled);
    for (let i = 0; i < 100; i += 1) expect(await run(yoga, { query: `{ b(n: ${i}) }` })).toBe(`{"data":{"b":${i * 2}}}`);
    expect(compiled).toEqual([]);
  });

  it('never compiles a document with several operations: each runs its own', async () => {
    const compiled: string[] = [];
    const yoga = yogaWithJit(compiled);
    const query = 'query One { a } query Two { b(n: 1) }';
    for (let i = 0; i < 2 * JIT_AFTER_EXECUTIONS; i += 1) {
      expect(await run(yoga, { query, operationName: 'One' })).toBe('{"data":{"a":"A"}}');
      expect(await run(yoga, { query, operationName: 'Two' })).toBe('{"data":{"b":2}}');
    }
    expect(compiled).toEqual([]);
  });
});

describe('the gateway once its documents are compiled', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const post = async (body: object) => {
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.text();
  };

  it.each([
    ['data', { query: 'query($id: ID!) { personalClient(id: $id) { id displayName createdAt scopedRoles user { id } } }', variables: { id: SAMPLE_CLIENT_ID } }],
    ['not found', { query: 'query($id: ID!) { personalClient(id: $id) { id } }', variables: { id: 'no-such-client' } }],
    ['a bad id', { query: 'query($id: ID!) { personalClient(id: $id) { id } }', variables: { id: '' } }],
    ['a list with a bad id', { query: 'query($ids: [ID!]!) { personalClients(ids: $ids) { id } }', variables: { ids: [SAMPLE_CLIENT_ID, ''] } }],
    [
      'entities for the router',
      {
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { id displayName user { id } } } }',
        variables: { r: [{ __typename: 'PersonalClient', id: SAMPLE_CLIENT_ID }, { __typename: 'PersonalClient', id: 'no-such-client' }] },
      },
    ],
  ])('answers %s as before compiling (errors with their code, path and locations)', async (_name, body) => {
    const answers: unknown[] = [];
    for (let i = 0; i < JIT_AFTER_EXECUTIONS + 5; i += 1) answers.push(JSON.parse(await post(body)));
    // As JSON: the compiled executor puts `data` before `errors`, which no JSON reader sees.
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('answers a cached client byte for byte as before compiling', async () => {
    const body = { query: 'query($id: ID!) { personalClient(id: $id) { id displayName createdAt scopedRoles } }', variables: { id: SAMPLE_CLIENT_ID } };
    const answers: string[] = [];
    for (let i = 0; i < JIT_AFTER_EXECUTIONS + 5; i += 1) answers.push(await post(body));
    expect([...new Set(answers)]).toEqual([answers[0]]);
  });

  it('answers an upstream failure with its typed code, path and locations after compiling too', async () => {
    const closers: (() => Promise<void>)[] = [];
    try {
      // The breaker stays closed, so every answer is the 503's own.
      const { gw: failing } = await startBehindFailingUpstream(closers, {
        env: { BREAKER_CONSECUTIVE_FAILURES: '1000', BREAKER_MIN_REQUESTS: '1000' },
      });
      const body = JSON.stringify({ query: 'query($id: ID!) { personalClient(id: $id) { id } }', variables: { id: FAILING_ID } });
      const answers: unknown[] = [];
      for (let i = 0; i < JIT_AFTER_EXECUTIONS + 5; i += 1) {
        const response = await failing.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        answers.push(await response.json());
      }
      expect(answers[0]).toMatchObject({
        data: { personalClient: null },
        errors: [{ path: ['personalClient'], locations: [{ line: 1, column: 19 }], extensions: { code: 'UPSTREAM_UNAVAILABLE' } }],
      });
      for (const answer of answers) expect(answer).toEqual(answers[0]);
    } finally {
      for (const close of closers.reverse()) await close();
    }
  });
});
