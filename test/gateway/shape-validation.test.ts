import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import type { ValidationRule } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { documentShape, useShapeValidationCache } from '../../src/graphql/shape-validation.js';
import { noopObserver } from '../../src/kernel/observer.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('documentShape', () => {
  it('is the same for documents that differ only in their string values', () => {
    expect(documentShape('{ a(id: "1") b(id: "2") }')).toBe(documentShape('{ a(id: "x") b(id: "yz") }'));
  });

  it('keeps which string literals were equal', () => {
    expect(documentShape('{ a(id: "1") b(id: "1") }')).not.toBe(documentShape('{ a(id: "1") b(id: "2") }'));
  });

  it('tells a block string from a quoted one, and keeps everything else verbatim', () => {
    expect(documentShape('{ a(id: """1""") }')).not.toBe(documentShape('{ a(id: "1") }'));
    expect(documentShape('{ a(id: "1", n: 1) }')).not.toBe(documentShape('{ a(id: "1", n: 2) }'));
    expect(documentShape('{ a(id: "1") }')).not.toBe(documentShape('{ b(id: "1") }'));
  });

  it('compares string values, not how they are escaped', () => {
    expect(documentShape('{ a(id: "A") b(id: "\\u0041") }')).toBe(documentShape('{ a(id: "x") b(id: "x") }'));
  });

  it('is undefined for a document without string literals (Yoga caches it by its source)', () => {
    expect(documentShape('query($id: ID!) { a(id: $id) } # "not a string"')).toBeUndefined();
  });
});

/** A Yoga whose validation is observable: a rule that counts the documents it visits. */
function countingYoga() {
  const validated: string[] = [];
  const hits: number[] = [];
  const counting: ValidationRule = function CountingRule(context) {
    validated.push(context.getDocument().loc?.source.body ?? '?');
    return {};
  };
  const addRule: Plugin = {
    onValidate: ({ addValidationRule }) => addValidationRule(counting),
  };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        scalar Stamp
        enum Color { RED }
        type Query { echo(id: ID!, label: String): String!  at(stamp: Stamp!): String!  paint(color: Color!): String! }
      `,
      resolvers: {
        Query: { echo: (_: unknown, a: { id: string; label?: string }) => `${a.id}${a.label ?? ''}`, at: () => 'at', paint: () => 'paint' },
        Stamp: { parseLiteral: (ast: { kind: string; value?: string }) => (ast.kind === 'StringValue' && /^\d+$/.test(ast.value ?? '') ? Number(ast.value) : undefined) } as never,
      },
    }),
    plugins: [addRule, useShapeValidationCache({ onHit: () => hits.push(1) })],
  });
  const run = async (query: string) => {
    const response = await yoga.fetch('http://gw/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
  };
  return { run, validated, hits };
}

describe('useShapeValidationCache', () => {
  it('validates a document with literal ids once per shape, and answers each with its own values', async () => {
    const { run, validated, hits } = countingYoga();
    for (let i = 0; i < 5; i += 1) expect(await run(`{ echo(id: "id-${i}", label: "-${i}") }`)).toEqual({ data: { echo: `id-${i}-${i}` } });
    expect(validated).toEqual(['{ echo(id: "id-0", label: "-0") }']);
    expect(hits).toHaveLength(4);
  });

  it('validates again when literals that were equal differ: the merged-fields rule compares them', async () => {
    const { run, validated } = countingYoga();
    expect(await run('{ a: echo(id: "1") a: echo(id: "1") }')).toEqual({ data: { a: '1' } });
    const conflicting = await run('{ a: echo(id: "1") a: echo(id: "2") }');
    expect(conflicting.errors?.[0]?.message).toMatch(/Fields "a" conflict/);
    expect(validated).toHaveLength(2);
  });

  it.each([
    ['a custom scalar', (i: number) => `{ at(stamp: "${i}") }`],
    ['an enum (where a string is never valid)', (i: number) => `{ paint(color: "RED${i}") }`],
  ])('validates every time when a string literal stands for %s', async (_what, query) => {
    const { run, validated, hits } = countingYoga();
    for (let i = 0; i < 3; i += 1) await run(query(i));
    expect(validated).toHaveLength(3);
    expect(hits).toHaveLength(0);
  });

  it('never remembers an invalid document: each gets its own error, naming its own literal', async () => {
    const { run, validated, hits } = countingYoga();
    for (const stamp of ['x', 'y']) {
      const answer = await run(`{ at(stamp: "${stamp}") }`);
      expect(answer.errors?.[0]?.message).toContain(`"${stamp}"`);
    }
    expect((await run('{ echo(id: "1") nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await run('{ echo(id: "2") nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(validated).toHaveLength(4);
    expect(hits).toHaveLength(0);
  });
});

describe('the gateway with literal ids', () => {
  let gw: TestGateway;
  let skipped = 0;
  beforeAll(async () => {
    gw = await startGateway({ deps: { observer: { ...noopObserver, validationSkipped: () => void (skipped += 1) } } });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    skipped = 0;
  });

  it('answers each literal id with its own client, a bad one with its own error, and keeps its limits', async () => {
    expect((await gw.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`)).data).toEqual({ personalClient: { id: SAMPLE_CLIENT_ID } });
    expect((await gw.query('{ personalClient(id: "no-such-client") { id } }')).data).toEqual({ personalClient: null });
    expect((await gw.query('{ personalClient(id: "") { id } }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // The depth limit is a validation rule: a deep document of a known shape is still refused.
    const deep = (id: string) => `{ personalClient(id: "${id}") { user { personalClients { nodes { user { personalClients { nodes { user { personalClients { nodes { id } } } } } } } } } } }`;
    for (const id of ['a', 'b']) expect((await gw.query(deep(id))).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('skips validating a new literal id of a known shape, never a representation (an _Any) written into the document', async () => {
    const entities = (id: string) => `{ _entities(representations: [{ __typename: "PersonalClient", id: "${id}" }]) { ... on PersonalClient { id } } }`;
    expect(await gw.query(entities(SAMPLE_CLIENT_ID))).toEqual({ data: { _entities: [{ id: SAMPLE_CLIENT_ID }] } });
    expect(await gw.query(entities('no-such-client'))).toEqual({ data: { _entities: [null] } });
    expect(skipped).toBe(0);
    for (const id of ['first-literal-id', 'second-literal-id']) await gw.query(`{ personalClient(id: "${id}") { id clientId } }`);
    expect(skipped).toBe(1);
  });
});

describe('useShapeValidationCache changes no answer', () => {
  const typeDefs = /* GraphQL */ `
    scalar Stamp
    enum Color { RED GREEN }
    input Filter { query: String, userIds: [ID!], color: Color }
    type Item { id: ID!, label(prefix: String): String! }
    type Query {
      item(id: ID!): Item
      items(ids: [ID!]!): [Item!]!
      find(filter: Filter, first: Int): [Item!]!
      at(stamp: Stamp!): String!
    }
  `;
  const item = (id: string) => ({ id, label: ({ prefix }: { prefix?: string }) => `${prefix ?? ''}${id}` });
  const resolvers = {
    Query: {
      item: (_: unknown, { id }: { id: string }) => item(id),
      items: (_: unknown, { ids }: { ids: string[] }) => ids.map(item),
      find: (_: unknown, { filter }: { filter?: { query?: string } }) => [item(filter?.query ?? 'none')],
      at: () => 'at',
    },
    Stamp: { parseLiteral: (ast: { kind: string; value?: string }) => (ast.kind === 'StringValue' && /^\d+$/.test(ast.value ?? '') ? Number(ast.value) : undefined) } as never,
  };
  const yogaWith = (plugins: Plugin[]) => createYoga({ schema: createSchema({ typeDefs, resolvers }), plugins, maskedErrors: false });

  /** Documents of a few shapes, each with literals that are equal or not, valid or not, in every kind of position. */
  function documents(): string[] {
    const values = ['a', 'b', 'a', '', '1', 'x"y', 'é', 'RED'];
    const out: string[] = [];
    for (const [i, v] of values.entries()) {
      const w = values[(i + 1) % values.length] ?? '';
      const s = JSON.stringify(v);
      const t = JSON.stringify(w);
      out.push(
        `{ item(id: ${s}) { id } }`,
        `{ x: item(id: ${s}) { id } x: item(id: ${s}) { id } }`,
        `{ x: item(id: ${s}) { id } x: item(id: ${t}) { id } }`,
        `{ x: item(id: ${s}) { label(prefix: ${t}) } x: item(id: ${s}) { label(prefix: ${s}) } }`,
        `{ items(ids: [${s}, ${t}]) { id label(prefix: """${v.replaceAll('"', '')}""") } }`,
        `{ find(filter: { query: ${s}, userIds: [${t}] }) { id } }`,
        `{ find(filter: { query: ${s}, color: ${s} }) { id } }`,
        `{ find(filter: { query: ${s} }, first: ${s}) { id } }`,
        `{ at(stamp: ${s}) }`,
        `{ item(id: ${s}) @include(if: ${t}) { id } }`,
        `{ item(id: ${s}, nope: ${t}) { id } }`,
        `query ($p: String = ${s}) { item(id: ${t}) { label(prefix: $p) } }`,
        `query ($p: Int = ${s}) { item(id: ${t}) { id } }`,
        `{ item(id: ${s}) { id } item(id: ${s}) { id } }`,
        `{ item(id: ${s}) { id } } { item(id: ${t}) { id } }`,
      );
    }
    return out;
  }

  it('answers every document, valid or not, exactly as without it', async () => {
    const hits: number[] = [];
    const plain = yogaWith([]);
    const shaped = yogaWith([useShapeValidationCache({ onHit: () => hits.push(1) })]);
    const run = async (yoga: ReturnType<typeof yogaWith>, query: string) =>
      (await yoga.fetch('http://gw/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).text();
    const docs = documents();
    for (const query of [...docs, ...docs]) expect(await run(shaped, query), query).toBe(await run(plain, query));
    // The comparison means something only if shapes were actually reused.
    expect(hits.length).toBeGreaterThan(docs.length / 4);
  });
});
