import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import type { ExecutionResult } from 'graphql';

// @apollo/gateway is CommonJS, so its schema comes from graphql's CommonJS build, while vitest
// resolves `import 'graphql'` in test files to the ESM build. graphql-js refuses schemas from
// "another realm", so validate with the same copy the gateway uses.
const { getOperationAST, parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

type Loaded = Awaited<ReturnType<ApolloGateway['load']>>;
type RequestContext = Parameters<NonNullable<Loaded['executor']>>[0];

const silent = { debug() {}, info() {}, warn() {}, error() {} };
/** The executor takes a cache for plan-adjacent data; nothing in these tests needs it to keep anything. */
const noCache = { get: async () => undefined, set: async () => {}, delete: async () => true };

export interface Router {
  /** Plans the operation over the supergraph and runs it against the subgraphs over HTTP. */
  execute(query: string, variables?: Record<string, unknown>): Promise<ExecutionResult>;
  stop(): Promise<void>;
}

/**
 * A real Apollo Federation router in-process: @apollo/gateway composes the supergraph from each
 * subgraph's live `_service { sdl }` (IntrospectAndCompose) and plans and fetches like in production.
 *
 * @apollo/server is not a dependency, so instead of serving the router over HTTP we call the
 * executor that ApolloServer itself would call, with the request context it would build: parse,
 * validate against the supergraph API schema, then `executor(requestContext)`.
 */
export async function startRouter(subgraphs: { name: string; url: string }[]): Promise<Router> {
  const gateway = new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs }), logger: silent });
  const { schema, executor } = await gateway.load();
  if (executor === null) throw new Error('@apollo/gateway loaded without an executor');

  return {
    async execute(query, variables = {}) {
      const document = parse(query);
      const errors = validate(schema, document);
      if (errors.length > 0) return { errors };
      const operation = getOperationAST(document);
      if (operation == null) throw new Error('expected exactly one operation');
      const requestContext: RequestContext = {
        request: { query, variables },
        logger: silent,
        schema,
        schemaHash: 'test' as RequestContext['schemaHash'],
        context: {},
        cache: noCache,
        queryHash: createHash('sha256').update(query).digest('hex'),
        document,
        source: query,
        operationName: operation.name?.value ?? null,
        operation,
        metrics: {},
        overallCachePolicy: undefined,
      };
      return executor(requestContext);
    },
    stop: () => gateway.stop(),
  };
}
