import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { LIMIT_REASONS, useTokenLimit } from '../../src/security/operation-limits.js';
import { startGateway } from '../helpers/gateway.js';

function yogaWithLimit(maxTokens: number) {
  return createYoga({
    schema: createSchema({ typeDefs: 'type Query { a: String, b: String, c: String }', resolvers: { Query: { a: () => 'A', b: () => 'B', c: () => 'C' } } }),
    plugins: [useTokenLimit(maxTokens)],
  });
}

async function run(yoga: ReturnType<typeof yogaWithLimit>, query: string): Promise<unknown> {
  const response = await yoga.fetch('http://gw/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return response.json();
}

const refused = (n: number) => ({
  errors: [{ message: `Token limit of ${n} exceeded.`, extensions: { code: 'BAD_USER_INPUT', reason: LIMIT_REASONS.tokens } }],
});

describe('the token limit (graphql-js counting while it parses)', () => {
  it('accepts a document of exactly the limit and refuses one token more, with the limit error', async () => {
    const yoga = yogaWithLimit(4); // `{ a b }` is 4 tokens: {, a, b, }
    expect(await run(yoga, '{ a b }')).toEqual({ data: { a: 'A', b: 'B' } });
    expect(await run(yoga, '{ a b c }')).toEqual(refused(4));
  });

  it('counts tokens, not characters: comments, commas and spacing are free', async () => {
    const yoga = yogaWithLimit(4);
    expect(await run(yoga, '# a comment\n{\n  a,\n  b,,,\n}')).toEqual({ data: { a: 'A', b: 'B' } });
  });

  it('stops at the limit, before reading a syntax error further on', async () => {
    expect(await run(yogaWithLimit(4), '{ a b c ) ) ) }')).toEqual(refused(4));
  });

  it('leaves a syntax error within the limit to the parser, with its location', async () => {
    const answer = (await run(yogaWithLimit(100), '{ a ) }')) as { errors: { message: string; locations?: unknown[]; extensions?: { code?: string } }[] };
    expect(answer.errors[0]?.message).toMatch(/^Syntax Error: /);
    expect(answer.errors[0]?.locations).toEqual([{ line: 1, column: 5 }]);
    expect(answer.errors[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('the gateway parsing a document', () => {
  it('answers a syntax error with its location and GRAPHQL_PARSE_FAILED, and too many tokens with the limit error', async () => {
    const gw = await startGateway({ env: { LIMIT_MAX_TOKENS: '50' } });
    try {
      const post = async (query: string) => {
        const response = await gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        return { status: response.status, body: await response.json() };
      };
      expect(await post('{ personalClient(id: "x") { id ) }')).toEqual({
        status: 200,
        body: { errors: [{ message: 'Syntax Error: Expected Name, found ")".', locations: [{ line: 1, column: 32 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] },
      });
      expect(await post(`{ ${'__typename '.repeat(60)}}`)).toEqual({ status: 200, body: refused(50) });
    } finally {
      await gw.close();
    }
  });
});
