import type { Plugin } from 'graphql-yoga';
import { pathOf } from '../kernel/path-of.js';

export interface ReadinessEndpointOptions {
  /** @default '/ready' */
  endpoint?: string;
  /** True when this replica should get traffic; a rejection counts as not ready. */
  check(): boolean | Promise<boolean>;
}

/**
 * `GET /ready`: 200 when `check` says ready, else 503. The same contract as Yoga's
 * useReadinessCheck, which also matches every other request's URL against a URLPattern (a
 * polyfill on Node 20) costing ~4% of a cached query's CPU. A compare of the request's path is all
 * the matching this needs.
 */
export function useReadinessEndpoint(options: ReadinessEndpointOptions): Plugin {
  const endpoint = options.endpoint ?? '/ready';
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (pathOf(request.url) !== endpoint) return;
      const answer = (ready: boolean) => endResponse(new fetchAPI.Response(null, { status: ready ? 200 : 503 }));
      return Promise.resolve()
        .then(() => options.check())
        .then(answer, () => answer(false));
    },
  };
}
