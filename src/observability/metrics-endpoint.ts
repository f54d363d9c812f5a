import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Clock } from '../kernel/clock.js';
import { pathOf } from '../kernel/path-of.js';
import { compressOnce, negotiate, varyOnAcceptEncoding, type CompressedOnce } from '../security/content-encoding.js';

export interface MetricsEndpointOptions {
  /** @default '/metrics' */
  path?: string;
  /**
   * A scrape within this many ms of the last render gets that render's text (METRICS_MIN_INTERVAL_MS).
   * A render costs a few ms of CPU (Node's default collectors: event-loop-delay percentiles, /proc
   * reads), and the endpoint is open by default: a flood of scrapes would otherwise be the dearest
   * request an unauthenticated caller can send. 0 renders every scrape.
   */
  minIntervalMs: number;
  /** Texts this long or longer go compressed to scrapers that accept it (COMPRESSION_MIN_BYTES). */
  compressMinBytes: number;
  clock: Clock;
}

interface Render {
  at: number;
  text: Promise<string>;
  /** The text compressed, once per coding asked for: scrapes sharing a render share this too. */
  encoded: CompressedOnce;
}

/**
 * Yoga plugin serving `registry` in Prometheus text format. Answered in onRequest, before any
 * GraphQL parsing, so a scrape costs only the serialisation, at most once per `minIntervalMs`, and
 * its compression, once per render. Its answers carry their own Content-Encoding, which the
 * response compressor leaves alone.
 */
export function useMetricsEndpoint(registry: Registry, options: MetricsEndpointOptions): Plugin {
  const path = options.path ?? '/metrics';
  let last: Render | undefined;
  const render = (): Render => {
    const now = options.clock();
    if (last === undefined || now - last.at >= options.minIntervalMs) {
      const text = registry.metrics();
      const rendered: Render = { at: now, text, encoded: new Map() };
      last = rendered;
      // A failed render is not kept: the next scrape tries again.
      text.catch(() => {
        if (last === rendered) last = undefined;
      });
    }
    return last;
  };
  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, endResponse, fetchAPI }) {
      if (pathOf(request.url) !== path) return undefined;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return undefined;
      }
      const rendered = render();
      return rendered.text.then(async (text) => {
        const headers = new fetchAPI.Headers({ 'content-type': registry.contentType, 'cache-control': 'no-store' });
        varyOnAcceptEncoding(headers);
        const coding = text.length >= options.compressMinBytes ? negotiate(request.headers.get('accept-encoding')) : undefined;
        if (request.method === 'HEAD' || coding === undefined) {
          endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : text, { headers }));
          return;
        }
        const bytes = await compressOnce(rendered.encoded, coding, () => new TextEncoder().encode(text));
        headers.set('content-encoding', coding);
        endResponse(new fetchAPI.Response(bytes, { headers }));
      });
    },
  };
}
