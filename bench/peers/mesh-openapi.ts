/**
 * Peer (e): GraphQL Mesh's OpenAPI source (Omnigraph, `@omnigraph/openapi`) generating the schema
 * from the seed's spec for C1's Get call, served by Yoga as Mesh's own runtime does. The spec is a
 * fixture beside this file, so the bench reads nothing outside the project. Its resolvers call C1
 * with the bearer as an operation header; no cache, as Mesh has none unless one is configured.
 */
import { fileURLToPath } from 'node:url';
import type { RequestListener } from 'node:http';
import { startServer } from '../../src/ops/server.js';
import type { PeerServer, PeerUpstream } from './upstream.js';

/** The seed's OpenAPI document for `GET /api/v1/iam/personal_clients/{id}`, verbatim. */
export const MESH_SPEC_PATH = fileURLToPath(new URL('./personal-client-get.openapi.yaml', import.meta.url));

export async function startMeshOpenApi(upstream: PeerUpstream): Promise<PeerServer> {
  const [{ loadGraphQLSchemaFromOpenAPI }, { createYoga }] = await Promise.all([import('@omnigraph/openapi'), import('graphql-yoga')]);
  const schema = await loadGraphQLSchemaFromOpenAPI('C1', {
    source: MESH_SPEC_PATH,
    cwd: process.cwd(),
    // The spec's server is the tenant's; the bench points it at the sandbox.
    endpoint: upstream.url,
    operationHeaders: { authorization: `Bearer ${upstream.bearer}` },
  });
  const yoga = createYoga({ schema, logging: false });
  const server = await startServer(yoga as unknown as RequestListener, { port: 0 });
  return { url: server.url, close: () => server.close(1_000) };
}
