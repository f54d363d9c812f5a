import { startServer } from '../../src/ops/server.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The request body as UTF-8 text (the GraphQL request the router sent). */
  body: string;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`; paths are forwarded unchanged. */
  origin: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy on port 0 that records every request before forwarding it to `target`.
 * It sits between the federation router and our server, so a test counts what really reached us
 * (e.g. `_entities` calls) without hooks in the router or in our app.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const running = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? 'GET';
      requests.push({ method, path: req.url ?? '/', body });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        // Hop-by-hop and length headers are fetch's to set; the rest pass through as sent.
        if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      fetch(new URL(req.url ?? '/', target), {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
      })
        .then(async (upstream) => {
          const payload = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
          res.end(payload);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy could not reach ${target}: ${String(error)}`);
        });
    });
  });
  return { origin: running.url, requests, close: () => running.close(0) };
}
