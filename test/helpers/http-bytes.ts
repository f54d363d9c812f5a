import { request } from 'node:http';

export interface BytesResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it came off the wire: never decompressed (fetch would inflate it). */
  body: Buffer;
}

/** One HTTP exchange over node:http, so a test sees the bytes and headers the server sent. */
export function exchange(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<BytesResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
