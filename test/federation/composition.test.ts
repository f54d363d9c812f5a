import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUsersSubgraph, type UsersSubgraph } from './users-subgraph.js';

/** Asks a subgraph for its SDL the way `rover` and gateways do: `{ _service { sdl } }`, POSTed through `send`. */
async function fetchSdl(name: string, send: (init: RequestInit) => Promise<Response>): Promise<string> {
  const response = await send({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json()) as { data?: { _service: { sdl: string } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  const sdl = body.data?._service.sdl;
  if (sdl === undefined) throw new Error(`no SDL from ${name}`);
  return sdl;
}

/** Where a router would find us: composition only records it (our subgraph runs in-process here). */
const C1_SUBGRAPH_URL = 'http://c1-gateway/graphql';

describe('composing our subgraph into a supergraph', () => {
  let gw: TestGateway;
  let users: UsersSubgraph;
  let ourSdl: string;
  let usersSdl: string;

  beforeAll(async () => {
    [gw, users] = await Promise.all([startGateway(), startUsersSubgraph()]);
    [ourSdl, usersSdl] = await Promise.all([
      fetchSdl('c1', (init) => gw.fetch('/graphql', init)),
      fetchSdl('users', (init) => fetch(users.url, init)),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), users?.close()]);
  });

  it('serves an SDL over _service with the federation link, our @key directives and descriptions', () => {
    expect(ourSdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize", "@composeDirective"])');
    expect(ourSdl).toMatch(/type PersonalClient\s+@key\(fields: "id"\)/);
    expect(ourSdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(ourSdl).toContain('@listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)');
    expect(ourSdl).toContain('One personal client credential by its C1 id');
    expect(ourSdl).toContain('The owning user, as a reference resolved by the subgraph that owns users');
    // The cache hints, with the lifetime from CACHE_TTL_MS (30 s by default), linked for composition.
    expect(ourSdl).toContain('@link(url: "https://c1-gateway.conductorone.dev/cache-control/v1.0", import: ["@cacheControl"])');
    expect(ourSdl).toContain('@composeDirective(name: "@cacheControl")');
    expect(ourSdl).toMatch(/type PersonalClient\s+@key\(fields: "id"\)\s+@cacheControl\(maxAge: 30\)/);
    // Only @key, @listSize and @composeDirective are imported: every other federation directive stays namespaced, so none can clash with ours.
    expect(ourSdl).toContain('directive @federation__shareable');
    expect(ourSdl).not.toContain('directive @shareable');
  });

  it('composes with a users subgraph that owns User into a supergraph without errors or hints', () => {
    const result = composeServices([
      { name: 'c1', url: C1_SUBGRAPH_URL, typeDefs: parse(ourSdl) },
      { name: 'users', url: users.url, typeDefs: parse(usersSdl) },
    ]);

    expect(result.errors).toBeUndefined();
    expect((result.hints ?? []).map(String)).toEqual([]);
    const supergraph = result.supergraphSdl ?? '';
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/join/v0.');
    // PersonalClient is an entity owned by c1 and referenced (not resolvable) from users ...
    expect(supergraph).toMatch(/type PersonalClient\s+@join__type\(graph: C1, key: "id"\)\s+@join__type\(graph: USERS, key: "id", resolvable: false\)/);
    // ... and User is resolved by both: users owns its fields, c1 contributes personalClients.
    expect(supergraph).toMatch(/type User\s+@join__type\(graph: C1, key: "id"\)\s+@join__type\(graph: USERS, key: "id"\)/);
    expect(supergraph).toMatch(/email: String! @join__field\(graph: USERS\)/);
    expect(supergraph).toMatch(/user: User @join__field\(graph: C1\)/);
    expect(supergraph).toMatch(/type User[^}]*personalClients\([\s\S]*?\): PersonalClientConnection! @join__field\(graph: C1\) @listSize\(/);
    // Demand control reaches the router: the cost spec is linked and @listSize kept on the connections.
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])');
    expect(supergraph).toMatch(/searchPersonalClients\([\s\S]*?\): PersonalClientConnection! @join__field\(graph: C1\) @listSize\(slicingArguments: \["first"\]/);
    // The cache hints reach routers that read directives: @cacheControl is composed, not dropped.
    expect(supergraph).toContain('directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION');
    expect(supergraph).toMatch(/type PersonalClient\s[^{]*@cacheControl\(maxAge: 30\)/);
    expect(supergraph).toMatch(/myPersonalClients\([\s\S]*?\): PersonalClientConnection! [^\n]*@cacheControl\(maxAge: 0\)/);
  });
});
