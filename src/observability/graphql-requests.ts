import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestStats } from '../loading/personal-client-source.js';
import { pathOf } from '../kernel/path-of.js';

/** One finished GraphQL HTTP request, as the request log and the metrics see it. */
export interface GraphQLRequestSummary {
  requestId: string;
  /** The executed operation's name (caller-chosen), or null when anonymous or never parsed. */
  operation: string | null;
  /** Operations in the request (more than 1 only for batched requests). */
  operationCount: number;
  durationMs: number;
  /** HTTP status of the response. */
  status: number;
  /** ok: no errors and a 2xx status; error otherwise (errorCodes says which). */
  outcome: 'ok' | 'error';
  /** Distinct `extensions.code` values of the returned errors, sorted. */
  errorCodes: string[];
  /** Summed over the request's operations (zero when none executed). */
  stats: RequestStats;
}

export interface GraphQLRequestsOptions {
  /** @default '/graphql' */
  endpoint?: string;
  requestIdOf(request: Request): string;
  /** Called once per GraphQL request, after its response is ready. Must not throw. */
  onRequestDone(summary: GraphQLRequestSummary, request: Request): void;
  /** Called with each error of a response (any path), and the request's id. Must not throw. */
  onError?(error: GraphQLError, requestId: string): void;
}

interface Pending {
  startedAt: number;
  parsed: boolean;
  operations: (string | null)[];
  stats: RequestStats[];
  errorCodes: Set<string>;
  hasErrors: boolean;
}

/**
 * Yoga plugin that follows each request to the GraphQL endpoint from arrival to response and
 * reports one summary: what ran, how long it took, how it ended and what it cost upstream.
 */
export function useGraphQLRequests(options: GraphQLRequestsOptions): Plugin {
  const endpoint = options.endpoint ?? '/graphql';
  const pending = new WeakMap<Request, Pending>();

  return {
    // Instrumentation wraps the whole request whatever the plugin order, so requests refused by
    // an earlier plugin's onRequest (caller auth) are timed, logged and counted too.
    instrumentation: {
      request({ request }, wrapped) {
        if (pathOf(request.url) === endpoint) {
          pending.set(request, { startedAt: performance.now(), parsed: false, operations: [], stats: [], errorCodes: new Set(), hasErrors: false });
        }
        return wrapped();
      },
    },
    onParams({ request, params }) {
      const p = pending.get(request);
      if (p === undefined) return;
      p.parsed = true;
      p.operations.push(params.operationName ?? null);
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; load?: { stats?: RequestStats } };
      const p = context.request && pending.get(context.request);
      if (p === undefined) return;
      // The document's own name beats params.operationName, which may be absent for one-operation documents.
      // (Batches are summarised as a count, so only a single operation's name is refined.)
      if (p.operations.length <= 1) p.operations[0] = getOperationAST(args.document, args.operationName)?.name?.value ?? null;
      if (context.load?.stats) p.stats.push(context.load.stats);
    },
    onResultProcess({ request, result }) {
      const p = pending.get(request);
      for (const r of Array.isArray(result) ? result : [result]) {
        if (Symbol.asyncIterator in r) continue; // streams report their own errors as they go
        if (r.errors !== undefined && options.onError !== undefined) reportErrors(r.errors, options.requestIdOf(request), options.onError);
        if (p !== undefined) collectResult(p, r);
      }
    },
    onResponse({ request, response }) {
      const p = pending.get(request);
      pending.delete(request);
      // A plain GET of the endpoint renders GraphiQL: not an operation, no line.
      if (p === undefined || (!p.parsed && response.status < 400)) return;
      try {
        options.onRequestDone(summarize(p, options.requestIdOf(request), response.status), request);
      } catch {
        // Exceptions thrown here would crash the node:http server; losing one line is better.
      }
    },
  };
}

function reportErrors(errors: readonly GraphQLError[], requestId: string, onError: (e: GraphQLError, id: string) => void): void {
  for (const error of errors) {
    try {
      onError(error, requestId);
    } catch {
      // A failing log call must not fail the response.
    }
  }
}

function collectResult(p: Pending, result: ExecutionResult): void {
  for (const error of result.errors ?? []) {
    p.hasErrors = true;
    const code = error.extensions?.['code'];
    p.errorCodes.add(typeof code === 'string' ? code : 'UNKNOWN');
  }
}

function summarize(p: Pending, requestId: string, status: number): GraphQLRequestSummary {
  return {
    requestId,
    operation: p.operations[0] ?? null,
    operationCount: Math.max(1, p.operations.length),
    durationMs: Math.round((performance.now() - p.startedAt) * 1000) / 1000,
    status,
    outcome: p.hasErrors || status >= 400 ? 'error' : 'ok',
    errorCodes: [...p.errorCodes].sort(),
    stats: {
      upstreamCalls: sum(p.stats, 'upstreamCalls'),
      cacheHits: sum(p.stats, 'cacheHits'),
      staleServed: sum(p.stats, 'staleServed'),
      freshMs: Math.min(...p.stats.map((s) => s.freshMs)),
    },
  };
}

function sum(stats: RequestStats[], key: 'upstreamCalls' | 'cacheHits' | 'staleServed'): number {
  return stats.reduce((total, s) => total + s[key], 0);
}
