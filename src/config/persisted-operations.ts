import { readFileSync } from 'node:fs';

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
 * Read once, at config load, so a bad file is reported with every other configuration problem.
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
