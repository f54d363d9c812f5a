import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import type { ValidationRule } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentShapes, documentShape } from '../../src/graphql/document-shapes.js';
import { noopObserver } from '../../src/kernel/observer.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('documentShape', () => {
  const key = (body: string) => documentShape(body)?.key;

  it('is the same for documents that differ only in their string values, each as long', () => {
    expect(key('{ a(id: "1") b(id: "22") }')).toBe(key('{ a(id: "x") b(id: "yz") }'));
    expect(documentShape('{ a(id: "1") b(id: "22") }')?.values).toEqual(['1', '22']);
  });

  it('keeps which string literals were equal, and how long each is in the source', () => {
    expect(key('{ a(id: "1") b(id: "1") }')).not.toBe(key('{ a(id: "1") b(id: "2") }'));
    expect(key('{ a(id: "1") }')).not.toBe(key('{ a(id: "12") }'));
  });

  it('tells a block string from a quoted one, and keeps everything else verbatim', () => {
    expect(key('{ a(id: """1""") }')).not.toBe(key('{ a(id: "1") }'));
    expect(key('{ a(id: "1", n: 1) }')).not.toBe(key('{ a(id: "1", n: 2) }'));
    expect(key('{ a(id: "1") }')).not.toBe(key('{ b(id: "1") }'));
  });

  it('compares string values, not how they are escaped, and gives each literal its class and offsets', () => {
    const shape = documentShape('{ a(id: "A") b(id: "\\u0041") }');
    expect(shape?.values).toEqual(['A']);
    expect(shape?.literals).toEqual([0, 8, 11, 0, 19, 27]);
  });

  it('is undefined for a document that does not lex, which parsing refuses with its location', () => {
    expect(documentShape('{ a(id: "1) }')).toBeUndefined();
    expect(documentShape('{ a(id: "\\z") }')).toBeUndefined();
  });

  it('is undefined for a document past the token limit, which parsing refuses', () => {
    expect(documentShape('{ a(id: "1") }', 8)).toBeDefined();
    expect(documentShape('{ a(id: "1") }', 7)).toBeUndefined();
  });

  it('is undefined for a document without string literals (Yoga caches it by its source)', () => {
    expect(documentShape('query($id: ID!) { a(id: $id) } # "not a string"')).toBeUndefined();
  });
});

/** A Yoga whose validation is observable: a rule that notes the documents it visits. */
function countingYoga() {
  const validated: string[] = [];
  const skipped: number[] = [];
  const templated: number[] = [];
  const counting: ValidationRule = function CountingRule(context) {
    validated.push(context.getDocument().loc?.source.body ?? '?');
    return {};
  };
  const addRule: Plugin = {
    onValidate: ({ addValidationRule }) => addValidationRule(counting),
  };
  const shapes = createDocumentShapes({ onValidationSkipped: () => skipped.push(1), onTemplateUsed: () => templated.push(1) });
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
    parserAndValidationCache: { documentCache: shapes.documentCache },
    plugins: [addRule, shapes.plugin],
  });
  const run = async (query: string, variables?: Record<string, unknown>) => {
    const response = await yoga.fetch('http://gw/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
  };
  return { run, validated, skipped, templated, documentCache: shapes.documentCache };
}

describe('createDocumentShapes', () => {
  it('validates a document with literal ids once per shape, then runs its template, and answers each with its own values', async () => {
    const { run, validated, skipped, templated } = countingYoga();
    for (let i = 0; i < 5; i += 1) expect(await run(`{ echo(id: "id-${i}", label: "-${i}") }`)).toEqual({ data: { echo: `id-${i}-${i}` } });
    // The first document, then (at the second) its template: each literal a variable as long as it.
    expect(validated).toEqual(['{ echo(id: "id-0", label: "-0") }', '{ echo(id: $_0   , label: $_1 ) }']);
    expect(skipped).toHaveLength(1);
    expect(templated).toHaveLength(3);
  });

  it("answers a document sent again from Yoga's cache, without reading its shape", async () => {
    const { run, templated } = countingYoga();
    // The first two are parsed (the second makes the template); the first sent again is in Yoga's cache.
    for (const i of [0, 1, 0, 0]) expect(await run(`{ echo(id: "id-${i}") }`)).toEqual({ data: { echo: `id-${i}` } });
    expect(templated).toHaveLength(0);
  });

  it("adds the literals to the request's own variables, and keeps a template out of Yoga's cache by source", async () => {
    const { run, templated, documentCache } = countingYoga();
    const query = (i: number) => `query ($label: String) { echo(id: "id-${i}", label: $label) }`;
    for (let i = 0; i < 3; i += 1) expect(await run(query(i), { label: `+${i}` })).toEqual({ data: { echo: `id-${i}+${i}` } });
    expect(templated).toHaveLength(1);
    expect(documentCache.get(query(2))).toBeUndefined();
    expect(documentCache.get(query(0))).toBeDefined();
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
    const { run, validated, skipped, templated } = countingYoga();
    for (let i = 0; i < 3; i += 1) await run(query(i));
    expect(validated).toHaveLength(3);
    expect(skipped).toHaveLength(0);
    expect(templated).toHaveLength(0);
  });

  it.each([
    ['a variable named like a template variable', (i: number) => `query ($_0: String) { echo(id: "${i}", label: $_0) }`],
    ['a literal as a default value', (i: number) => `query ($l: String = "${i}") { echo(id: "${i}", label: $l) }`],
    // The eleventh value's variable, $_10, is longer than its literal "k".
    ['a literal shorter than its variable', (i: number) => `{ ${[`${i}`, ...'bcdefghijk'].map((v, n) => `f${n}: echo(id: "${v}")`).join(' ')} }`],
    ['two operations', (i: number) => `query A { echo(id: "${i}") } query B { echo(id: "${i}") }`],
  ])('never makes a template of a document with %s, and still answers it', async (_what, query) => {
    const { run, templated } = countingYoga();
    for (let i = 0; i < 4; i += 1) {
      const answer = await run(query(i), undefined);
      expect(answer.errors?.[0]?.message ?? '', query(i)).toMatch(query(i).startsWith('query A') ? /operation to execute/ : /^$/);
    }
    expect(templated).toHaveLength(0);
  });

  it('never remembers an invalid document: each gets its own error, naming its own literal', async () => {
    const { run, validated, skipped } = countingYoga();
    for (const stamp of ['x', 'y']) {
      const answer = await run(`{ at(stamp: "${stamp}") }`);
      expect(answer.errors?.[0]?.message).toContain(`"${stamp}"`);
    }
    expect((await run('{ echo(id: "1") nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await run('{ echo(id: "2") nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(validated).toHaveLength(4);
    expect(skipped).toHaveLength(0);
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
    for (let i = 0; i < 3; i += 1) {
      expect((await gw.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`)).data).toEqual({ personalClient: { id: SAMPLE_CLIENT_ID } });
      expect((await gw.query(`{ personalClient(id: "no-such-client-${i}") { id } }`)).data).toEqual({ personalClient: null });
      expect((await gw.query('{ personalClient(id: "") { id } }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((await gw.query(`{ personalClient(id: "bad\\u0001id-${i}") { id } }`)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // A document that does not lex is the parser's to refuse: 200, its location, GRAPHQL_PARSE_FAILED.
    for (const query of ['{ personalClient(id: "abc) { id } }', '{ personalClient(id: "a\\zb") { id } }']) {
      const response = await gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ errors: [{ message: /^Syntax Error: /, locations: [{ line: 1 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    }
    // The depth limit is a validation rule: a deep document of a known shape is still refused.
    const deep = (id: string) => `{ personalClient(id: "${id}") { user { personalClients { nodes { user { personalClients { nodes { user { personalClients { nodes { id } } } } } } } } } } }`;
    for (const id of ['a', 'b', 'c']) expect((await gw.query(deep(id))).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // The fan-out cap reads the ids the template's variables carry: 120 distinct ones are too many,
    // the same 60 twice are not (were they unread, each would count as one more fetch).
    const ids = (at: number, from: number) => Array.from({ length: 60 }, (_, i) => `"id-${at}-${String(from + i).padStart(3, '0')}"`).join(', ');
    const twice = (at: number, from: number) => `{ a: personalClients(ids: [${ids(at, 0)}]) { id } b: personalClients(ids: [${ids(at, from)}]) { id } }`;
    for (let at = 0; at < 3; at += 1) {
      expect((await gw.query(twice(at, 60))).errors?.[0]).toMatchObject({ extensions: { reason: 'FAN_OUT_LIMIT_EXCEEDED' } });
      expect((await gw.query(twice(at, 0))).errors).toBeUndefined();
    }
  });

  it('skips validating a new literal id of a known shape, never a representation (an _Any) written into the document', async () => {
    const entities = (id: string) => `{ _entities(representations: [{ __typename: "PersonalClient", id: "${id}" }]) { ... on PersonalClient { id } } }`;
    expect(await gw.query(entities(SAMPLE_CLIENT_ID))).toEqual({ data: { _entities: [{ id: SAMPLE_CLIENT_ID }] } });
    expect(await gw.query(entities('no-such-client'))).toEqual({ data: { _entities: [null] } });
    expect(await gw.query(entities('no-such-client'))).toEqual({ data: { _entities: [null] } });
    expect(skipped).toBe(0);
    // The first is validated, the second is not (and makes the shape's template), the rest run as it.
    for (const id of ['literal-id-1', 'literal-id-2']) await gw.query(`{ personalClient(id: "${id}") { id clientId } }`);
    expect(skipped).toBe(1);
    for (const id of ['literal-id-3', 'literal-id-4']) {
      expect(await gw.query(`{ personalClient(id: "${id}") { id clientId } }`)).toEqual({ data: { personalClient: null } });
    }
    expect(skipped).toBe(3);
  });
});

describe('literal ids in a batch', () => {
  it("gives each operation of a batch its own values, and its own document where its shape has no template", async () => {
    let skipped = 0;
    const gw = await startGateway({ env: { BATCHING_LIMIT: '4' }, deps: { observer: { ...noopObserver, validationSkipped: () => void (skipped += 1) } } });
    try {
      // Ids as long as the sample's: one shape. Two documents make its template.
      const like = (prefix: string) => prefix + SAMPLE_CLIENT_ID.slice(prefix.length);
      const query = (id: string) => ({ query: `{ personalClient(id: "${id}") { id } }` });
      for (const id of [like('made-1-'), like('made-2-')]) await gw.query(query(id).query);
      // The last is of another shape (shorter), with no template: it must be parsed as itself.
      const batch = [like('missing-'), SAMPLE_CLIENT_ID, like('gone-'), 'short-id'];
      const response = await gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch.map(query)) });
      const found = { data: { personalClient: { id: SAMPLE_CLIENT_ID } } };
      const missing = { data: { personalClient: null } };
      expect(await response.json()).toEqual([missing, found, missing, missing]);
      expect(skipped).toBe(1 + 3);
    } finally {
      await gw.close();
    }
  });
});

describe('createDocumentShapes changes no answer', () => {
  const typeDefs = /* GraphQL */ `
    scalar Stamp
    enum Color { RED GREEN }
    input Filter { query: String, userIds: [ID!], color: Color }
    type Item { id: ID!, label(prefix: String): String!, broken: String }
    type Query {
      item(id: ID!): Item
      items(ids: [ID!]!): [Item!]!
      find(filter: Filter, first: Int): [Item!]!
      at(stamp: Stamp!): String!
      fail(id: ID, why: String!): String
    }
  `;
  const item = (id: string) => ({
    id,
    label: ({ prefix }: { prefix?: string }) => `${prefix ?? ''}${id}`,
    broken: () => {
      throw new Error(`broken ${id}`);
    },
  });
  const resolvers = {
    Query: {
      item: (_: unknown, { id }: { id: string }) => item(id),
      items: (_: unknown, { ids }: { ids: string[] }) => ids.map(item),
      find: (_: unknown, { filter }: { filter?: { query?: string } }) => [item(filter?.query ?? 'none')],
      at: () => 'at',
      fail: (_: unknown, { id, why }: { id?: string; why: string }) => {
        throw new Error(`${why} (${id ?? 'no id'})`);
      },
    },
    Stamp: { parseLiteral: (ast: { kind: string; value?: string }) => (ast.kind === 'StringValue' && /^\d+$/.test(ast.value ?? '') ? Number(ast.value) : undefined) } as never,
  };
  const yogaWith = (shapes?: ReturnType<typeof createDocumentShapes>) =>
    createYoga({
      schema: createSchema({ typeDefs, resolvers }),
      plugins: shapes === undefined ? [] : [shapes.plugin],
      ...(shapes === undefined ? {} : { parserAndValidationCache: { documentCache: shapes.documentCache } }),
      maskedErrors: false,
    });

  /**
   * Documents of a few shapes, each with literals that are equal or not, valid or not, in every kind
   * of position. Each `variant` shifts the lower-case letters of every value by one more: the same
   * shapes (lengths and equalities kept), other values.
   */
  function documents(variant: number): string[] {
    const shift = (v: string) => v.replace(/[a-z]/g, (c) => String.fromCharCode(97 + ((c.charCodeAt(0) - 97 + variant) % 26)));
    const values = ['a', 'b', 'a', '', '1', 'x"y', 'é', 'RED', 'long-value-0001', 'long-value-0002'].map(shift);
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
        `{ items(ids: [${s}, ${t}]) { id label(prefix: ${t}) } }`,
        `{ find(filter: { query: ${s}, userIds: [${t}] }) { id } }`,
        `{ find(filter: { query: ${s}, color: ${s} }) { id } }`,
        `{ find(filter: { query: ${s} }, first: ${s}) { id } }`,
        `{ at(stamp: ${s}) }`,
        `{ item(id: ${s}) @include(if: ${t}) { id } }`,
        `{ item(id: ${s}, nope: ${t}) { id } }`,
        `query ($p: String = ${s}) { item(id: ${t}) { label(prefix: $p) } }`,
        `query ($p: Int = ${s}) { item(id: ${t}) { id } }`,
        `query ($p: String) { item(id: ${t}) { label(prefix: $p) } }`,
        `query Named { item(id: ${s}) { id } }`,
        `{ item(id: ${s}) { id } item(id: ${s}) { id } }`,
        `{ item(id: ${s}) { id } } { item(id: ${t}) { id } }`,
        // Errors from resolvers, over several lines: their locations and paths must not move.
        `{\n  item(id: ${s}) {\n    id\n    broken\n  }\n  fail(id: ${t}, why: "why")\n}`,
        `query Q {\n  a: fail(why: "why")\n  ...F\n}\nfragment F on Query {\n  b: fail(id: ${s}, why: "why-not")\n  item(id: ${t}) { broken }\n}`,
        `{ fail(id: ${s}, why: ${s}) }`,
        `{ __type(name: ${s}) { name } t: __type(name: ${t}) { kind } }`,
        // Documents that do not lex: a bad escape, and a string left open.
        `{ item(id: ${s}) { label(prefix: "\\q") } }`,
        `{ item(id: ${s}) { id } } ${s.slice(0, -1)}`,
        `query Twice($p: String) { ...F ...F } fragment F on Query { item(id: ${s}) @skip(if: false) { label(prefix: $p) } }`,
        // …and on one line, where a field's column is after another's literals.
        `{ item(id: ${s}) { broken } fail(id: ${t}, why: "because") x: item(id: ${t}) { id broken } }`,
      );
    }
    return out;
  }

  it('answers every document, valid or not, exactly as without it', async () => {
    const skipped: number[] = [];
    const templated: number[] = [];
    const plain = yogaWith();
    const shaped = yogaWith(createDocumentShapes({ onValidationSkipped: () => skipped.push(1), onTemplateUsed: () => templated.push(1) }));
    const run = async (yoga: ReturnType<typeof yogaWith>, query: string) =>
      (await yoga.fetch('http://gw/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { p: 'given' }, operationName: query.startsWith('query Named') ? 'Named' : query.startsWith('query Twice') ? 'Twice' : undefined }) })).text();
    const docs = [0, 1, 2, 3].flatMap(documents);
    // A shape's first document is validated, its second makes the template, and the rest run as it.
    for (const query of docs) expect(await run(shaped, query), query).toBe(await run(plain, query));
    // The comparison means something only if shapes were actually reused, and templates run.
    expect(skipped.length).toBeGreaterThan(docs.length / 8);
    expect(templated.length).toBeGreaterThan(docs.length / 8);
  });
});
