import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

/**
 * Yoga plugin serving `registry` in Prometheus text format at `path`. Answered in onRequest,
 * before any GraphQL parsing, so a scrape costs only the serialisation.
 */
export function useMetricsEndpoint(registry: Registry, path = '/metrics'): Plugin {
  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return undefined;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return undefined;
      }
      return registry.metrics().then((body) => {
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
          }),
        );
      });
    },
  };
}
