import type { Dispatcher } from 'undici';
import { outcomeError } from './outcome.js';

/**
 * The body's bytes, or undefined once they would exceed `maxBytes` (declared or counted): the rest
 * is dropped unread, so a misbehaving upstream cannot make the gateway buffer without bound.
 */
export async function readCapped(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(headerValue(response.headers['content-length']));
  if (declared > maxBytes) {
    response.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      response.body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Reads a JSON response body, refusing anything that is not JSON or is larger than `maxBytes`. */
export async function readJsonBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<unknown> {
  const type = headerValue(response.headers['content-type']);
  if (type === undefined || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    await response.body.dump();
    throw outcomeError('unexpected', `C1 answered with a non-JSON content type`);
  }
  const bytes = await readCapped(response, maxBytes);
  if (bytes === undefined) throw outcomeError('unexpected', `C1 response body exceeds ${maxBytes} bytes`);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (cause) {
    throw outcomeError('unexpected', 'C1 answered with malformed JSON', { cause });
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
