import { createHash } from 'node:crypto';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import { compressOnce, negotiate, varyOnAcceptEncoding, type CompressedOnce } from '../security/content-encoding.js';
import { renderGraphiQLPage } from './graphiql.js';
import { pathOf } from '../kernel/path-of.js';

export interface GraphiQLPageOptions {
  /** What GraphiQL opens with (title, default query). */
  graphiql: GraphiQLOptions;
  /** Where the page is served, for browsers (GET with `Accept: text/html`). */
  endpoint: string;
}

interface Page {
  html: Uint8Array<ArrayBuffer>;
  /** Identifies the page's text; each coding gets its own strong ETag from it (RFC 9110 §8.8.3). */
  hash: string;
  /** Each coding compressed once, on its first request, and kept. */
  compressed: CompressedOnce;
}

/**
 * Serves GraphiQL in place of Yoga's own renderer, so the ~9 MB page (its scripts and styles are
 * inlined from the installed package) can go out compressed (~2 MB) with an `ETag`: a reload
 * revalidates (`Cache-Control: no-cache`) and gets a 304 with no body.
 *
 * Each coding is compressed once per process, at the best settings that stay quick, and kept.
 * That happens on the first request that asks for it rather than at start-up: production runs
 * with GraphiQL off, and the test suite starts hundreds of gateways that never open the page,
 * each of which would otherwise spend seconds of CPU on a 9 MB brotli pass.
 *
 * Put it first among the plugins, where Yoga's own GraphiQL runs: browsers cannot send the router
 * secret or a bearer with a page load, and the page holds nothing but the installed package.
 */
export function useGraphiQLPage(options: GraphiQLPageOptions): Plugin {
  // One page per plugin, made once: browsers that open it together, before the package has loaded,
  // wait for the same render instead of each encoding and hashing its own 9 MB copy.
  let page: Promise<Page> | undefined;
  const pageOnce = (): Promise<Page> =>
    (page ??= renderGraphiQLPage(options.graphiql).then(
      (text) => {
        const html = new TextEncoder().encode(text);
        const hash = createHash('sha256').update(html).digest('base64url').slice(0, 27);
        return { html, hash, compressed: new Map() };
      },
      (error: unknown) => {
        page = undefined; // the next page load tries again
        throw error;
      },
    ));

  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || pathOf(request.url) !== options.endpoint) return;
      if (!(request.headers.get('accept') ?? '').includes('text/html')) return;
      const respond = ({ html, hash, compressed }: Page): Promise<void> | undefined => {
        const coding = negotiate(request.headers.get('accept-encoding'));
        const etag = coding === undefined ? `"${hash}"` : `"${hash}-${coding}"`;
        const headers = new fetchAPI.Headers({ etag, 'cache-control': 'no-cache' });
        varyOnAcceptEncoding(headers);
        if (matches(request.headers.get('if-none-match'), etag)) {
          endResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        headers.set('content-type', 'text/html; charset=utf-8');
        if (coding === undefined) {
          endResponse(new fetchAPI.Response(html, { status: 200, headers }));
          return;
        }
        return compressOnce(compressed, coding, () => html, true).then((bytes) => {
          headers.set('content-encoding', coding);
          endResponse(new fetchAPI.Response(bytes, { status: 200, headers }));
        });
      };
      return pageOnce().then(respond);
    },
  };
}

/** `If-None-Match` by weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag, `W/` or not. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
