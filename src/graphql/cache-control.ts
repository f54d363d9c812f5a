import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestStats } from '../loading/personal-client-source.js';
import { pathOf } from '../kernel/path-of.js';

export interface CacheControlOptions {
  /** 'public' with the service credential (every caller sees the same); 'private' in forward mode. */
  scope: 'public' | 'private';
  /** The GraphQL endpoint's path: only its JSON answers get the header. */
  endpoint: string;
}

interface Verdict {
  stats: RequestStats[];
  noStore: boolean;
}

/**
 * What an answer that must not be kept says. `max-age=0` beside `no-store` changes nothing for an
 * HTTP cache (no-store wins) but is what Hive Gateway's response cache reads: it ignores `no-store`
 * and takes the least max-age of the subgraph answers as the TTL, where 0 means "do not cache".
 */
export const NO_STORE = 'no-store, max-age=0';

/** Root fields that describe the schema rather than C1's data: never cached above us. */
const SCHEMA_FIELDS = new Set(['__schema', '__type', '_service']);

/**
 * `Cache-Control` on every GraphQL answer, for the router's (and any HTTP) cache above us: `max-age`
 * is the least remaining freshness among the values the answer used, whichever tier served them or
 * C1 just did, "not found" included. Anything that must not be kept is `no-store`: an error in any
 * field, a stale value, a refusal, an answer that used no value, and introspection. In forward mode
 * the answer is the caller's own: `private`, and `Vary: Authorization`.
 */
export function useCacheControl(options: CacheControlOptions): Plugin {
  const verdicts = new WeakMap<Request, Verdict>();
  const verdictOf = (request: Request): Verdict => {
    let verdict = verdicts.get(request);
    if (verdict === undefined) {
      verdict = { stats: [], noStore: false };
      verdicts.set(request, verdict);
    }
    return verdict;
  };

  return {
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; load?: { stats: RequestStats } };
      if (context.request === undefined) return;
      const verdict = verdictOf(context.request);
      if (context.load !== undefined) verdict.stats.push(context.load.stats);
      if (describesSchema(args.document, args.operationName)) verdict.noStore = true;
    },
    onResultProcess({ request, result }) {
      for (const r of Array.isArray(result) ? result : [result]) {
        if (!(Symbol.asyncIterator in r) && r.errors !== undefined && r.errors.length > 0) verdictOf(request).noStore = true;
      }
    },
    onResponse({ request, response }) {
      if (pathOf(request.url) !== options.endpoint || !isJson(response)) return;
      response.headers.set('cache-control', headerFor(verdicts.get(request), response.status, options.scope));
      if (options.scope === 'private') response.headers.append('vary', 'Authorization');
    },
  };
}

function headerFor(verdict: Verdict | undefined, status: number, scope: 'public' | 'private'): string {
  if (verdict === undefined || verdict.noStore || status !== 200) return NO_STORE;
  let freshMs = Number.POSITIVE_INFINITY;
  for (const stats of verdict.stats) {
    if (stats.staleServed > 0) return NO_STORE;
    freshMs = Math.min(freshMs, stats.freshMs);
  }
  // Whole seconds, rounded down, so a cache above never keeps a value longer than we would.
  const maxAge = Math.floor(freshMs / 1000);
  return Number.isFinite(maxAge) && maxAge >= 1 ? `${scope}, max-age=${maxAge}` : NO_STORE;
}

function describesSchema(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  return operation?.selectionSet.selections.some((s) => s.kind === 'Field' && SCHEMA_FIELDS.has(s.name.value)) ?? false;
}

function isJson(response: Response): boolean {
  return response.headers.get('content-type')?.includes('json') ?? false;
}
