import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/** Longest allow-list file read at start-up; a list of operations is far smaller. */
const MAX_FILE_BYTES = 16 * 1024 * 1024; // 16 MiB

export class PersistedOperationsError extends Error {
  constructor(message: string) {
    super(`PERSISTED_OPERATIONS_FILE: ${message}`);
    this.name = 'PersistedOperationsError';
  }
}

/**
 * Reads the allow-list: operation id (the hash clients send as `extensions.persistedQuery.sha256Hash`)
 * → document text. Two formats are accepted, both JSON:
 * - a plain object `{ "<hash>": "<query>" }` (graphql-codegen's `persisted-documents.json`);
 * - Apollo's manifest `{ "format": "apollo-persisted-query-manifest", "version": 1,
 *   "operations": [{ "id": "<hash>", "body": "<query>" }] }`.
 * Throws PersistedOperationsError naming what is wrong (never the file's content).
 */
export function loadPersistedOperations(path: string): ReadonlyMap<string, string> {
  let json: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new PersistedOperationsError(`larger than ${MAX_FILE_BYTES} bytes`);
    json = JSON.parse(text);
  } catch (error) {
    if (error instanceof PersistedOperationsError) throw error;
    throw new PersistedOperationsError(`cannot read it as JSON (${(error as { code?: string }).code ?? 'invalid JSON'})`);
  }
  const entries = isApolloManifest(json) ? json.operations.map((op) => [op?.id, op?.body]) : objectEntries(json);
  const operations = new Map<string, string>();
  for (const [id, body] of entries) {
    if (typeof id !== 'string' || id === '' || typeof body !== 'string' || body.trim() === '') {
      throw new PersistedOperationsError('every entry needs a non-empty id and a document string');
    }
    operations.set(id, body);
  }
  if (operations.size === 0) throw new PersistedOperationsError('lists no operations');
  return operations;
}

interface ApolloManifest {
  format: 'apollo-persisted-query-manifest';
  operations: ({ id?: unknown; body?: unknown } | null)[];
}

function isApolloManifest(json: unknown): json is ApolloManifest {
  const value = json as Partial<ApolloManifest> | null;
  return (
    typeof value === 'object' && value !== null && value.format === 'apollo-persisted-query-manifest' && Array.isArray(value.operations)
  );
}

function objectEntries(json: unknown): [string, unknown][] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PersistedOperationsError('must be a JSON object of id → document, or an Apollo manifest');
  }
  return Object.entries(json);
}

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
