import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { measureOperation } from '../../src/security/operation-cost.js';

const count = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  measureOperation(parse(query), operationName, variables).fetches;

describe('counting the upstream fetches an operation can cause', () => {
  it('counts distinct ids across aliases, because the request loader fetches a repeated id once', () => {
    expect(count('{ a: personalClient(id: "1") { id } b: personalClient(id: "1") { id } c: personalClient(id: "2") { id } }')).toBe(2);
  });

  it('reads ids from list literals, variables, variables inside lists and variable defaults', () => {
    expect(count('{ personalClients(ids: ["1", "2", "3"]) { id } }')).toBe(3);
    expect(count('query($ids: [ID!]!) { personalClients(ids: $ids) { id } }', { ids: ['1', '2'] })).toBe(2);
    expect(count('query($x: ID!) { personalClients(ids: [$x, "2", "3"]) { id } }', { x: '1' })).toBe(3);
    expect(count('query($ids: [ID!]! = ["1", "2", "3", "4"]) { personalClients(ids: $ids) { id } }')).toBe(4);
  });

  it('counts a single id given for a list, as GraphQL input coercion makes it a one-element list', () => {
    expect(count('{ personalClients(ids: "1") { id } }')).toBe(1);
  });

  it('follows fragments and inline fragments at the root, once per fragment', () => {
    const query = `query { ...F ...F ... on Query { personalClient(id: "3") { id } } }
      fragment F on Query { personalClients(ids: ["1", "2"]) { id } ...G }
      fragment G on Query { personalClient(id: "4") { id } }`;
    expect(count(query)).toBe(4);
  });

  it('counts the ids of _entities representations, whatever else is wrong with the list', () => {
    const reps = [
      { __typename: 'PersonalClient', id: '1' },
      { __typename: 'PersonalClient', id: '2' },
      { __typename: 'User', id: '3' },
    ];
    expect(count('query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', { r: reps })).toBe(2);
  });

  it('shares one id set across personalClient, personalClients and _entities, as the loader does', () => {
    const query = `query($r: [_Any!]!) { personalClient(id: "1") { id } personalClients(ids: ["1", "2"]) { id }
      _entities(representations: $r) { __typename } }`;
    expect(count(query, { r: [{ __typename: 'PersonalClient', id: '2' }] })).toBe(2);
  });

  it('counts an id it cannot read (missing variable, non-string) as one more fetch', () => {
    expect(count('query($id: ID!) { a: personalClient(id: $id) { id } b: personalClient(id: $id) { id } }', {})).toBe(2);
  });

  it('counts skipped fields too: the cap is an upper bound', () => {
    expect(count('{ personalClient(id: "1") @skip(if: true) { id } }')).toBe(1);
  });

  it('counts only the operation that will run, and ignores nested fields', () => {
    const query = `query A { personalClients(ids: ["1", "2", "3"]) { id user { id } } }
      query B { personalClient(id: "9") { id } }`;
    expect(count(query, {}, 'A')).toBe(3);
    expect(count(query, {}, 'B')).toBe(1);
  });
});

const measure = (query: string, variables?: Record<string, unknown>) => measureOperation(parse(query), undefined, variables);

describe('counting what an operation resolves', () => {
  it('counts repeated ids, which cost one fetch but one object each', () => {
    const cost = measure('query($ids: [ID!]!) { a: personalClients(ids: $ids) { id } b: personalClients(ids: $ids) { id } }', {
      ids: ['1', '1', '1'],
    });
    expect(cost).toMatchObject({ fetches: 1, resolutions: 6 });
  });

  it('counts every _entities representation, and every root response key, __typename included', () => {
    const reps = Array.from({ length: 5 }, () => ({ __typename: 'PersonalClient', id: '1' }));
    expect(measure('query($r: [_Any!]!) { _entities(representations: $r) { __typename } a: __typename b: __typename }', { r: reps })).toMatchObject({
      fetches: 1,
      resolutions: 7,
    });
  });

  it('counts one variable list under 100 aliases 100 times, reading its ids once', () => {
    const reps = Array.from({ length: 1_350 }, () => ({ __typename: 'PersonalClient', id: '1' }));
    const aliases = Array.from({ length: 100 }, (_, i) => `e${i}: _entities(representations: $r) { __typename }`).join(' ');
    expect(measure(`query($r: [_Any!]!) { ${aliases} }`, { r: reps })).toMatchObject({ fetches: 1, resolutions: 135_000 });
  });

  it('counts a root field that GraphQL merges (same response key) once', () => {
    const query = `{ ...F ...F personalClient(id: "1") { id } } fragment F on Query { personalClient(id: "1") { id } }`;
    expect(measure(query)).toMatchObject({ resolutions: 1 });
  });

  it('counts fields as objects times the fields selected on each, nested fields and aliases included', () => {
    const query = `query($ids: [ID!]!) { personalClients(ids: $ids) { id a: id user { id } ...F } }
      fragment F on PersonalClient { displayName }`;
    // Each object: the field itself, id, a, user, user.id, displayName.
    expect(measure(query, { ids: ['1', '2', '3'] })).toMatchObject({ resolutions: 3, fields: 18 });
  });

  it('walks fragments spread in fragments once each, so the walk stays linear', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on PersonalClient { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `{ personalClient(id: "1") { ...F0 } } ${fragments} fragment F${levels} on PersonalClient { id }`;
    // Counted as an upper bound (2^30 leaves), but computed with one visit per fragment.
    expect(measure(query).fields).toBe(1 + 2 ** levels);
  });

  it('names the first representation that cannot resolve here', () => {
    const cases: [unknown, RegExp][] = [
      [{ id: '1' }, /__typename is required/],
      [{ __typename: 'Foo', id: '1' }, /__typename must be PersonalClient or User/],
      [{ __typename: 'User', id: 1 }, /id must be a string/],
      [{ __typename: 'PersonalClient' }, /id must be a string/],
      [{ __typename: 'PersonalClient', id: 7 }, /id must be a string/],
      ['PersonalClient:1', /must be an object/],
    ];
    for (const [bad, reason] of cases) {
      const cost = measure('query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', {
        r: [{ __typename: 'PersonalClient', id: '0' }, bad],
      });
      expect(cost.invalidRepresentation).toMatch(/^representation 1: /);
      expect(cost.invalidRepresentation).toMatch(reason);
    }
  });
});

describe('counting what connections cost: C1 List/Search calls, the objects of their pages, their fields', () => {
  const CONNECTION = 'nodes { id displayName } pageInfo { endCursor }';

  it('counts a first page as one C1 call, and a page after a cursor as the most pages it can span', () => {
    expect(measure(`{ searchPersonalClients(first: 7) { ${CONNECTION} } }`)).toMatchObject({ fetches: 1, resolutions: 1 + 7 });
    expect(measure(`{ myPersonalClients { ${CONNECTION} } }`)).toMatchObject({ fetches: 1, resolutions: 1 + 25 });
    // From inside a page of at least 10: 100 items span at most 11 pages.
    expect(measure(`{ myPersonalClients(first: 100, after: "c") { ${CONNECTION} } }`).fetches).toBe(11);
    expect(measure(`query($a: String) { myPersonalClients(first: 20, after: $a) { ${CONNECTION} } }`, { a: null }).fetches).toBe(1);
  });

  it('counts User references times their connection, whatever fragment selects it', () => {
    const users = Array.from({ length: 4 }, (_, i) => ({ __typename: 'User', id: `u${i}` }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { personalClients(first: 10) { ...P } } } }
      fragment P on PersonalClientConnection { nodes { id } }`;
    expect(measure(query, { r: [...users, { __typename: 'PersonalClient', id: 'p' }] })).toMatchObject({ fetches: 1 + 4, resolutions: 5 + 40 });
  });

  it('weights nested connections by their parents: 3 clients\' owners\' 10 clients each', () => {
    const query = `{ personalClients(ids: ["1", "2", "3"]) { user { personalClients(first: 10) { edges { node { id } } } } } }`;
    expect(measure(query)).toMatchObject({ fetches: 3 + 3, resolutions: 3 + 30 });
  });

  it('bounds 100 users\' connections of 100: 100 calls and 10,000 clients, past the default limits', () => {
    const users = Array.from({ length: 100 }, (_, i) => ({ __typename: 'User', id: `u${i}` }));
    const cost = measure('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { personalClients(first: 100) { nodes { id } } } } }', { r: users });
    expect(cost).toMatchObject({ fetches: 100, resolutions: 100 + 10_000 });
    expect(cost.fields).toBeGreaterThanOrEqual(100 * 100);
  });
});
