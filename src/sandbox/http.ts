/** The few node:http helpers the sandbox's routes share. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies past this are refused: a token request is well under 2 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
}

/**
 * Reads the whole body as UTF-8, or rejects if it is longer than `limit` bytes. An oversized
 * body is still drained (not stored): leaving the iterator early would destroy the socket
 * before the error response could be written.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= limit) chunks.push(buf);
  }
  if (size > limit) throw new BodyTooLargeError(`request body exceeds ${limit} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Content type without parameters, lower-cased: `Application/JSON; charset=x` → `application/json`. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
