import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

/** The codings the gateway answers in, preferred first when a client accepts both equally. */
export type Coding = 'br' | 'gzip';

/**
 * Brotli quality for answers compressed per request. Quality 11 (zlib's default) is for static
 * files: far too slow per request. On a 17 KB 50-client answer quality 3 took 95-165 µs against
 * quality 4's 150-230 µs and gzip 6's 170-200 µs, for 2.2 KB (quality 4: 1% smaller; gzip: 4% larger).
 */
const DYNAMIC_BROTLI_QUALITY = 3;
/** gzip level for answers compressed per request: zlib's own default, the usual speed/size balance. */
const DYNAMIC_GZIP_LEVEL = 6;
/**
 * Brotli quality for what is compressed once and sent many times (the GraphiQL page). Quality 11
 * took 27 s for the 9 MB page on the 2-core machine; 6 takes ~2 s, for 12% more bytes.
 */
const ONCE_BROTLI_QUALITY = 6;

/**
 * Bodies up to this size are compressed on the event loop (at most ~0.5 ms for brotli), larger ones
 * on libuv's thread pool so a 2 MB answer cannot stall other requests. The pool costs more CPU per
 * call than the work itself at these sizes: for a 17 KB answer 250-290 µs of CPU against ~100 µs
 * on the loop, and on 2 cores the pool adds no capacity.
 */
const ON_LOOP_MAX_BYTES = 64 * 1024;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Compresses `bytes` in `coding`. `best` spends more CPU for a smaller result: for what is
 * compressed once and sent many times.
 */
export async function compress(bytes: Uint8Array, coding: Coding, best = false): Promise<Uint8Array<ArrayBuffer>> {
  const onLoop = bytes.byteLength <= ON_LOOP_MAX_BYTES;
  // zlib's results are Buffers over plain ArrayBuffers (never shared), which is what a body needs.
  if (coding === 'gzip') {
    const options = { level: best ? constants.Z_BEST_COMPRESSION : DYNAMIC_GZIP_LEVEL };
    return (onLoop ? gzipSync(bytes, options) : await gzipAsync(bytes, options)) as Uint8Array<ArrayBuffer>;
  }
  const options = {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: best ? ONCE_BROTLI_QUALITY : DYNAMIC_BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      // A window no larger than the body: brotli's default (4 MB) is allocated per call, which
      // took a 17 KB answer from ~290 to ~1,000 µs of CPU under concurrency.
      [constants.BROTLI_PARAM_LGWIN]: windowBitsFor(bytes.byteLength),
    },
  };
  return (onLoop ? brotliCompressSync(bytes, options) : await brotliAsync(bytes, options)) as Uint8Array<ArrayBuffer>;
}

/** Compressed bodies of one content, by coding: see `compressOnce`. */
export type CompressedOnce = Map<Coding, Promise<Uint8Array<ArrayBuffer>>>;

/**
 * `bytes()` compressed in `coding` once per `cache`: what is sent many times (the GraphiQL page, a
 * metrics render) is compressed on its first request and shared by the rest. A failed compression
 * is not kept: the next request tries again.
 */
export function compressOnce(cache: CompressedOnce, coding: Coding, bytes: () => Uint8Array, best = false): Promise<Uint8Array<ArrayBuffer>> {
  const cached = cache.get(coding);
  if (cached !== undefined) return cached;
  const body = compress(bytes(), coding, best);
  cache.set(coding, body);
  body.catch(() => {
    if (cache.get(coding) === body) cache.delete(coding);
  });
  return body;
}

function windowBitsFor(size: number): number {
  const bits = Math.ceil(Math.log2(size + 1));
  return Math.min(constants.BROTLI_MAX_WINDOW_BITS, Math.max(constants.BROTLI_MIN_WINDOW_BITS, bits));
}

/**
 * The coding to answer in for an `Accept-Encoding` header (RFC 9110 §12.5.3), or undefined for
 * identity: the highest q wins, br before gzip on a tie, `*` stands for whichever is not named,
 * and q=0 refuses. `x-gzip` is gzip's old alias.
 */
export function negotiate(acceptEncoding: string | null): Coding | undefined {
  if (acceptEncoding === null || acceptEncoding === '') return undefined;
  let br: number | undefined;
  let gz: number | undefined;
  let any: number | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';');
    const coding = name.trim().toLowerCase();
    const q = qualityOf(params);
    if (coding === 'br') br = q;
    else if (coding === 'gzip' || coding === 'x-gzip') gz = q;
    else if (coding === '*') any = q;
  }
  const brQ = br ?? any ?? 0;
  const gzQ = gz ?? any ?? 0;
  if (brQ <= 0 && gzQ <= 0) return undefined;
  return brQ >= gzQ ? 'br' : 'gzip';
}

function qualityOf(params: string[]): number {
  for (const param of params) {
    const [key = '', value = ''] = param.split('=');
    if (key.trim().toLowerCase() !== 'q') continue;
    const q = Number(value.trim());
    return Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0;
  }
  return 1;
}

/** Adds `Accept-Encoding` to `Vary` once: the answer's bytes depend on it, so shared caches must key on it. */
export function varyOnAcceptEncoding(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null) headers.set('vary', 'Accept-Encoding');
  else if (!/\baccept-encoding\b/i.test(vary)) headers.set('vary', `${vary}, Accept-Encoding`);
}
