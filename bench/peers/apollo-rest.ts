/**
 * Peer (d): what a team builds with Apollo's own parts instead of this gateway. Apollo Server 5's
 * standalone server and a `RESTDataSource` per request, as Apollo's data-source docs show it, over
 * the same subgraph SDL, so it answers the gateway's exact query. No cache beyond what
 * RESTDataSource does by itself (request deduplication, HTTP caching when C1 sends Cache-Control).
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource, type AugmentedRequest, type DataSourceConfig } from '@apollo/datasource-rest';
import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import type { PeerServer, PeerUpstream } from './upstream.js';

type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number];
type ResolverMap = NonNullable<Extract<SubgraphModule, { resolvers?: unknown }>['resolvers']>;

/** `GET /api/v1/iam/personal_clients/{id}` with the bearer, the data-source pattern's one method. */
class PersonalClientsApi extends RESTDataSource {
  readonly #bearer: string;

  constructor(upstream: PeerUpstream, config: DataSourceConfig) {
    super(config);
    this.baseURL = `${upstream.url}/`;
    this.#bearer = upstream.bearer;
  }

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${this.#bearer}`;
  }

  async personalClient(id: string): Promise<PersonalClient | null> {
    const body = await this.get<{ client: PersonalClient | null }>(`api/v1/iam/personal_clients/${encodeURIComponent(id)}`);
    return body.client;
  }
}

interface Context {
  api: PersonalClientsApi;
}

export async function startApolloRest(upstream: PeerUpstream): Promise<PeerServer> {
  const [{ buildSubgraphSchema }, { parse }, { loadTypeDefs }] = await Promise.all([
    import('@apollo/subgraph'),
    import('graphql'),
    import('../../src/graphql/schema.js'),
  ]);
  const resolvers = {
    Query: {
      personalClient: async (_: unknown, args: { id: string }, context: Context) => {
        const client = await context.api.personalClient(args.id);
        // The SDL's lists are non-null; C1 may send null for "none", as the gateway also maps.
        return client === null ? null : { ...client, allowSourceCidr: client.allowSourceCidr ?? [], scopedRoles: client.scopedRoles ?? [] };
      },
    },
  };
  const server = new ApolloServer<Context>({
    schema: buildSubgraphSchema([{ typeDefs: parse(loadTypeDefs()), resolvers: resolvers as unknown as ResolverMap }]),
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    // One data source per request, sharing the server's cache: Apollo's documented pattern.
    context: async () => ({ api: new PersonalClientsApi(upstream, { cache: server.cache }) }),
  });
  return { url: url.replace(/\/$/, ''), close: () => server.stop() };
}
