import { GatewayError } from '../kernel/errors.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { GatewayContext } from './context.js';
import { DateTime } from './date-time.js';
import { assertValidId } from './ids.js';
import { createListingResolvers, type ListingResolverOptions } from './listing-resolvers.js';

export interface ResolverOptions extends ListingResolverOptions {
  /** Longest `personalClients(ids)` list accepted (MAX_IDS_PER_REQUEST). */
  maxIdsPerRequest: number;
}

export function createResolvers(options: ResolverOptions) {
  const listings = createListingResolvers(options);
  return {
    DateTime,
    User: listings.User,
    Query: {
      ...listings.Query,
      personalClient(_: unknown, args: { id: string }, ctx: GatewayContext) {
        assertValidId(args.id);
        return ctx.loaders.personalClientById(args.id);
      },
      personalClients(_: unknown, args: { ids: string[] }, ctx: GatewayContext) {
        if (args.ids.length > options.maxIdsPerRequest) {
          throw new GatewayError(
            'BAD_USER_INPUT',
            `personalClients accepts at most ${options.maxIdsPerRequest} ids, got ${args.ids.length}`,
          );
        }
        args.ids.forEach(assertValidId);
        // Errors stay at their index: graphql-js reports each as a field error, the rest is data.
        return ctx.loaders.personalClientsByIds(args.ids);
      },
    },
    PersonalClient: {
      __resolveReference(ref: { id: string }, ctx: GatewayContext) {
        assertValidId(ref.id);
        return ctx.loaders.personalClientById(ref.id);
      },
      allowSourceCidr: (client: PersonalClient) => client.allowSourceCidr ?? [],
      scopedRoles: (client: PersonalClient) => client.scopedRoles ?? [],
      user: (client: PersonalClient) =>
        client.userId ? { __typename: 'User', id: client.userId } : null,
    },
  };
}
