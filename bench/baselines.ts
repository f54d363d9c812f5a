/**
 * The ceilings the gateway is measured against, in the same run:
 * (a) bare Yoga: the same subgraph schema, `personalClient` answered from a constant object;
 * (b) plain node:http: the gateway's exact response body, written without any framework;
 * (c) the sandbox's REST endpoint itself, hit directly with a valid bearer (see `restTarget`).
 */
import type { RequestListener } from 'node:http';
import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { PersonalClient } from '../src/domain/personal-client.js';

type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number];
type ResolverMap = NonNullable<Extract<SubgraphModule, { resolvers?: unknown }>['resolvers']>;

/**
 * (a) The framework ceiling: Yoga's defaults, our SDL, no context, no loaders, no cache. `client`
 * is the gateway's own answer, so both serve the same bytes. Modules load here, not at the top,
 * so the node:http baseline's process does not carry them.
 *
 * With `bodyLimit`, (a′): the same, but with the request-body limit the gateway uses in place of
 * Yoga's (security/body-limit.ts), so the two differ only by what the gateway adds.
 */
export async function createBareYoga(client: PersonalClient, bodyLimit?: number): Promise<RequestListener> {
  const [{ buildSubgraphSchema }, { parse }, { createYoga }, { loadTypeDefs }, { useRequestBodyLimit }] = await Promise.all([
    import('@apollo/subgraph'),
    import('graphql'),
    import('graphql-yoga'),
    import('../src/graphql/schema.js'),
    import('../src/security/body-limit.js'),
  ]);
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(loadTypeDefs()),
      resolvers: { Query: { personalClient: () => client } } as unknown as ResolverMap,
    },
  ]);
  // Yoga's own request listener is what startServer hands requests to for the gateway too.
  const limit = bodyLimit === undefined ? {} : { maxRequestBodySize: false as const, plugins: [useRequestBodyLimit(bodyLimit)] };
  return createYoga({ schema, logging: false, ...limit }) as unknown as RequestListener;
}

/** (b) The Node ceiling: the same bytes the gateway answers with, from a bare request listener. */
export function createNodeHttpBaseline(body: string): RequestListener {
  const payload = Buffer.from(body);
  return (req, res) => {
    // Drain the POST body as a real handler must before answering.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
      res.end(payload);
    });
  };
}

/** (c) The upstream ceiling: where and how to GET one personal client straight from the sandbox. */
export function restTarget(sandboxUrl: string, bearer: string) {
  return {
    url: sandboxUrl,
    headers: { authorization: `Bearer ${bearer}` },
    pathFor: (id: string) => `/api/v1/iam/personal_clients/${encodeURIComponent(id)}`,
  };
}
