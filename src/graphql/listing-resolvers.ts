/**
 * The connection fields: `searchPersonalClients`, `myPersonalClients` and `User.personalClients`.
 * Every argument is checked, and `after` opened, before anything goes upstream.
 */
import { userListing } from '../loading/user-clients.js';
import type { GatewayContext } from './context.js';
import { checkFirst, Connection, openAfter, type ConnectionArgs } from './connections.js';
import type { CursorCodec, CursorScope } from './cursor.js';
import { assertValidId } from './ids.js';
import { matchesNone, normalizeFilter, type PersonalClientFilterInput } from './personal-client-filter.js';

export interface ListingResolverOptions {
  /** Seals and opens cursors with the key every replica shares (CURSOR_SECRET). */
  cursors: CursorCodec;
}

interface UserRef {
  id: string;
}

export function createListingResolvers({ cursors }: ListingResolverOptions) {
  return {
    Query: {
      async searchPersonalClients(_: unknown, args: ConnectionArgs & { filter?: PersonalClientFilterInput | null }, ctx: GatewayContext) {
        const first = checkFirst(args.first);
        const filter = normalizeFilter(args.filter);
        const scope: CursorScope = { field: 'Query.searchPersonalClients', ...filter };
        const after = openAfter(args.after, scope, cursors);
        if (matchesNone(args.filter)) return new Connection({ items: [], hasNextPage: false }, scope, cursors);
        const slice = await ctx.listings.walk({ kind: 'search', ...filter }, first, after);
        return new Connection(slice, scope, cursors);
      },
      async myPersonalClients(_: unknown, args: ConnectionArgs, ctx: GatewayContext) {
        const first = checkFirst(args.first);
        const scope: CursorScope = { field: 'Query.myPersonalClients', query: '', userIds: [] };
        const after = openAfter(args.after, scope, cursors);
        return new Connection(await ctx.listings.walk({ kind: 'list' }, first, after), scope, cursors);
      },
    },
    User: {
      __resolveReference(ref: UserRef): UserRef {
        assertValidId(ref.id);
        return { id: ref.id };
      },
      async personalClients(user: UserRef, args: ConnectionArgs, ctx: GatewayContext) {
        const first = checkFirst(args.first);
        const { query, userIds } = userListing(user.id);
        const scope: CursorScope = { field: 'User.personalClients', query, userIds };
        const after = openAfter(args.after, scope, cursors);
        return new Connection(await ctx.listings.userClients({ userId: user.id, first, after }), scope, cursors);
      },
    },
  };
}
