import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/**
 * Only listed operations run: an unknown id, or a document sent in full, is refused before parsing.
 * Meant for frontends calling the gateway directly; the supergraph router plans its own operations,
 * so behind a router the allow-list belongs at the router.
 */
export function usePersistedOperationsAllowList(operations: ReadonlyMap<string, string>): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => operations.get(id) ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      notFound: { message: 'This operation is not in the allow-list', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } } },
      keyNotFound: { message: 'A persisted operation id is required', extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } } },
      persistedQueryOnly: { message: 'Only persisted operations are accepted', extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } } },
    },
  }) as Plugin;
}
