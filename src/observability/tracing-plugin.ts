import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TraceRef } from '../kernel/tracer.js';
import type { GraphQLRequestSummary } from './graphql-requests.js';
import { pathOf } from '../kernel/path-of.js';
import type { RequestTrace, Tracing } from './tracing.js';

/** Longest operation name put in a span name or attribute; names are caller-chosen. */
const MAX_OPERATION_CHARS = 128;

export interface RequestTracing {
  /** Starts each GraphQL request's span, and names it once the document is known. */
  plugin: Plugin;
  /** The request's span, for its load context; undefined for requests that are not GraphQL. */
  traceOf(request: Request): TraceRef | undefined;
  /** The ids for the request's log line. */
  idsOf(request: Request): { trace_id: string; span_id: string } | undefined;
  /** Ends the request's span with how it went (the request log's summary). */
  finish(request: Request, summary: GraphQLRequestSummary): void;
}

/**
 * The span of each request to the GraphQL endpoint, a child of the caller's trace context. It is
 * kept per Request (as the request summary is), and handed down in the load context: nothing
 * below the edge finds it through async context.
 */
export function createRequestTracing(tracing: Tracing, endpoint: string): RequestTracing {
  const traces = new WeakMap<Request, RequestTrace>();
  const end = (request: Request): RequestTrace | undefined => {
    const t = traces.get(request);
    traces.delete(request);
    return t;
  };

  const plugin: Plugin = {
    instrumentation: {
      request({ request }, wrapped) {
        if (pathOf(request.url) === endpoint) traces.set(request, tracing.startRequest(request.headers));
        return wrapped();
      },
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const t = request && traces.get(request);
      if (t === undefined || !t.span.ref.sampled) return;
      const operation = getOperationAST(args.document, args.operationName);
      const name = operation?.name?.value.slice(0, MAX_OPERATION_CHARS);
      const type = operation?.operation ?? 'query';
      t.rename(name === undefined ? type : `${type} ${name}`);
      t.span.set({ 'graphql.operation.type': type, 'graphql.operation.name': name });
    },
    // Runs after the request summary's own hook (this plugin comes later): whatever finish() did
    // not end (a GraphiQL page, a refused request with no summary) ends here.
    onResponse({ request, response }) {
      const t = end(request);
      if (t === undefined) return;
      t.span.set({ 'http.response.status_code': response.status });
      t.span.end();
    },
  };

  return {
    plugin,
    traceOf: (request) => traces.get(request)?.span.ref,
    idsOf(request) {
      const t = traces.get(request);
      return t === undefined ? undefined : { trace_id: t.traceId, span_id: t.spanId };
    },
    finish(request, summary) {
      const t = end(request);
      if (t === undefined) return;
      if (t.span.ref.sampled) {
        t.span.set({
          'c1_gateway.request_id': summary.requestId,
          'c1_gateway.outcome': summary.outcome,
          'c1_gateway.error_codes': summary.errorCodes.length > 0 ? summary.errorCodes : undefined,
          'c1_gateway.upstream_calls': summary.stats.upstreamCalls,
          'c1_gateway.cache_hits': summary.stats.cacheHits,
          'http.response.status_code': summary.status,
        });
        if (summary.outcome === 'error') t.span.fail(summary.errorCodes[0] ?? `HTTP_${summary.status}`);
      }
      t.span.end();
    },
  };
}
