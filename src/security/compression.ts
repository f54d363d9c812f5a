import type { Plugin } from 'graphql-yoga';
import { compress, negotiate, varyOnAcceptEncoding } from './content-encoding.js';
import { refusal as refused } from './refusal.js';

export interface CompressionOptions {
  /**
   * Smallest answer body compressed, in bytes (COMPRESSION_MIN_BYTES). Below it the bytes saved do
   * not pay for the CPU, and a one-client answer (~600 bytes) stays on the uncompressed hot path.
   */
  minBytes: number;
}

/** Bodies that compress: JSON answers (both GraphQL media types), HTML, plain text (/metrics). */
const COMPRESSIBLE = /^(?:application\/(?:graphql-response\+)?json|text\/)/i;

/**
 * gzip or brotli answers for clients that accept them, above `minBytes`.
 *
 * Not @whatwg-node/server's `useContentEncoding` (what Yoga offers): it splits `Accept-Encoding`
 * without trimming, so `gzip, br` never picks br, ignores q-values, compresses every answer
 * however small, through a stream pair per request; and it decompresses request bodies with no
 * bound, behind the body limit's Content-Length check (which sees only the compressed size):
 * a 100 KB gzip body could inflate to 100 MB. This one compresses whole bodies whose size is
 * known (Content-Length, which Yoga sets on every JSON answer), large ones off the event loop, and leaves
 * streams alone.
 *
 * Compressed request bodies are refused with 415 (see `refusesEncodedBodies`), so nothing is ever
 * inflated and the body limit's count stays the count of what is parsed.
 */
export function useResponseCompression(options: CompressionOptions): Plugin {
  const { minBytes } = options;
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const refusal = refusesEncodedBodies(request.headers.get('content-encoding'));
      if (refusal === undefined) return;
      // Unread, the body would be drained to reach a next request on this connection.
      endResponse(refused(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', refusal, { 'accept-encoding': 'identity', connection: 'close' }));
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      // The hot path: no Accept-Encoding, or a small answer, costs two header reads.
      const acceptEncoding = request.headers.get('accept-encoding');
      if (acceptEncoding === null) return;
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (!(length >= minBytes) || response.headers.has('content-encoding')) return;
      if (!COMPRESSIBLE.test(response.headers.get('content-type') ?? '')) return;
      const coding = negotiate(acceptEncoding);
      if (coding === undefined) return;
      return response.arrayBuffer().then(async (plain) => {
        const headers = new fetchAPI.Headers(response.headers);
        const bytes = await compress(new Uint8Array(plain), coding);
        headers.set('content-encoding', coding);
        headers.set('content-length', String(bytes.byteLength));
        varyOnAcceptEncoding(headers);
        setResponse(new fetchAPI.Response(bytes, { status: response.status, statusText: response.statusText, headers }));
      });
    },
  };
}

/**
 * Why a request with this `Content-Encoding` is refused, or undefined when its body is plain.
 * GraphQL requests are small (MAX_REQUEST_BYTES) and no client needs to compress them; inflating
 * them would have to be bounded again after decompression, for nothing.
 */
export function refusesEncodedBodies(contentEncoding: string | null): string | undefined {
  if (contentEncoding === null) return undefined;
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase());
  if (codings.every((c) => c === '' || c === 'identity')) return undefined;
  return 'Compressed request bodies are not accepted; send the body without Content-Encoding';
}
