import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { LIMIT_REASONS, useTokenLimit } from '../../src/security/operation-limits.js';
import { createLogger } from '../../src/kernel/logger.js';
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

  it('refuses a document nested deeper than the parser can recurse as a depth limit, and goes on answering', async () => {
    // 100,000 levels of list, far under a limit this high: the parser's stack runs out first, every time.
    const yoga = yogaWithLimit(1_000_000);
    expect(await run(yoga, `{ a(x: ${'['.repeat(100_000)}1${']'.repeat(100_000)}) }`)).toEqual({
      errors: [{ message: 'The document nests too deeply to parse.', extensions: { code: 'BAD_USER_INPUT', reason: LIMIT_REASONS.depth } }],
    });
    expect(await run(yoga, '{ a }')).toEqual({ data: { a: 'A' } });
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
      // Nested past the token limit: refused by the count before the stack can run out.
      expect(await post(`{ personalClients(ids: ${'['.repeat(3000)}"x"${']'.repeat(3000)}) { id } }`)).toEqual({ status: 200, body: refused(50) });
    } finally {
      await gw.close();
    }
  });

  it('refuses a document nested past the parser\'s stack as a depth limit, logs no unexpected error, and serves the next request', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void lines.push(chunk) } });
    // A token limit high enough that the stack, not the count, ends the parse: 40,000 levels in an 80 KB body.
    const gw = await startGateway({ env: { LIMIT_MAX_TOKENS: '1000000' }, deps: { logger } });
    try {
      const deep = await gw.query(`{ personalClients(ids: ${'['.repeat(40_000)}"x"${']'.repeat(40_000)}) { id } }`);
      expect(deep).toEqual({
        errors: [{ message: 'The document nests too deeply to parse.', extensions: { code: 'BAD_USER_INPUT', reason: LIMIT_REASONS.depth } }],
      });
      expect((await gw.query('{ __typename }')).data).toEqual({ __typename: 'Query' });
      expect(lines.join('')).not.toContain('unexpected error');
    } finally {
      await gw.close();
    }
  });
});
