import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/** The codings the gateway answers in, preferred first when a client accepts both equally. */
export type Coding = 'br' | 'gzip';

/**
 * Brotli quality for answers compressed per request. Quality 11 (zlib's default) spends ~50× the
 * CPU of quality 4 for a few percent smaller JSON; 4 compresses a 50-client answer better than
 * gzip's default at about gzip's cost.
 */
const DYNAMIC_BROTLI_QUALITY = 4;
/** gzip level for answers compressed per request: zlib's own default, the usual speed/size balance. */
const DYNAMIC_GZIP_LEVEL = 6;
/**
 * Brotli quality for what is compressed once and sent many times (the GraphiQL page). Quality 11
 * took 27 s for the 9 MB page on the 2-core machine; 6 takes ~2 s, for 12% more bytes.
 */
const ONCE_BROTLI_QUALITY = 6;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Compresses `bytes` in `coding`, on libuv's thread pool so the event loop keeps serving.
 * `best` spends more CPU for a smaller result: for what is compressed once and sent many times.
 */
export async function compress(bytes: Uint8Array, coding: Coding, best = false): Promise<Uint8Array<ArrayBuffer>> {
  // zlib's results are Buffers over plain ArrayBuffers (never shared), which is what a body needs.
  if (coding === 'gzip') return (await gzipAsync(bytes, { level: best ? constants.Z_BEST_COMPRESSION : DYNAMIC_GZIP_LEVEL })) as Uint8Array<ArrayBuffer>;
  return (await brotliAsync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: best ? ONCE_BROTLI_QUALITY : DYNAMIC_BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
    },
  })) as Uint8Array<ArrayBuffer>;
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
