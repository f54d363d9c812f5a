import type { Dispatcher } from 'undici';
import { GatewayError } from '../kernel/errors.js';

/**
 * Reads a JSON response body, refusing anything that is not JSON or is larger than `maxBytes`,
 * so a misbehaving upstream cannot make the gateway buffer without bound.
 */
export async function readJsonBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<unknown> {
  const type = headerValue(response.headers['content-type']);
  if (type === undefined || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    await response.body.dump();
    throw new GatewayError('UPSTREAM_BAD_RESPONSE', `C1 answered with a non-JSON content type`);
  }
  const declared = Number(headerValue(response.headers['content-length']));
  if (declared > maxBytes) {
    response.body.destroy();
    throw new GatewayError('UPSTREAM_BAD_RESPONSE', `C1 response body exceeds ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new GatewayError('UPSTREAM_BAD_RESPONSE', `C1 response body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch (cause) {
    throw new GatewayError('UPSTREAM_BAD_RESPONSE', 'C1 answered with malformed JSON', { cause });
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
