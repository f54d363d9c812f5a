import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphiQLOptions } from '../../src/graphql/graphiql.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { exchange } from '../helpers/http-bytes.js';

/** GET /graphql as a browser asks for it. */
async function openInBrowser(gw: TestGateway) {
  const response = await gw.fetch('/graphql', { headers: { accept: 'text/html' } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', html: await response.text() };
}

describe('GraphiQL at /graphql', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  it('is served to browsers by default outside production, without loading anything from a CDN', async () => {
    gw = await startGateway();
    const page = await openInBrowser(gw);

    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.html).toContain('<title>c1-gateway GraphiQL</title>');
    // Scripts and styles are inlined from the installed package: no <script src> or stylesheet URLs.
    expect(page.html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(page.html).not.toMatch(/<link[^>]+href=["']https?:/i);
  });

  it('is not served when GRAPHIQL=false', async () => {
    gw = await startGateway({ env: { GRAPHIQL: 'false' } });
    const page = await openInBrowser(gw);

    expect(page.type).not.toContain('text/html');
    expect(page.html).not.toContain('GraphiQL');
  });

  it('is off by default in production', async () => {
    gw = await startGateway({ env: { NODE_ENV: 'production' } });
    expect(gw.config.GRAPHIQL).toBe(false);
    const page = await openInBrowser(gw);

    expect(page.type).not.toContain('text/html');
    expect(page.html).not.toContain('GraphiQL');
  });

  it('opens with a default query for a real seeded id that returns data when run as is', async () => {
    gw = await startGateway({ deps: { exampleId: SAMPLE_CLIENT_ID } });
    const { defaultQuery } = createGraphiQLOptions(SAMPLE_CLIENT_ID);
    const page = await openInBrowser(gw);
    expect(page.html).toContain(SAMPLE_CLIENT_ID);

    const body = await gw.query<{
      personalClient: { id: string; displayName: string };
      searchPersonalClients: { edges: { node: { displayName: string } }[] };
    }>(defaultQuery ?? '');
    expect(body.errors).toBeUndefined();
    const seeded = gw.sandbox.clients.find((c) => c.id === SAMPLE_CLIENT_ID);
    expect(body.data?.personalClient).toMatchObject({ id: SAMPLE_CLIENT_ID, displayName: seeded?.displayName });
    // The search example finds what its comment says: names containing "terraform", any case.
    const found = body.data?.searchPersonalClients.edges ?? [];
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((e) => e.node.displayName.toLowerCase().includes('terraform'))).toBe(true);
  });

  it('goes out gzip- or br-compressed as accepted, each decoding to the uncompressed page, with an ETag per coding', async () => {
    gw = await startGateway({ listen: true });
    const load = (acceptEncoding?: string) =>
      exchange(`${gw.url}/graphql`, { headers: { accept: 'text/html', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) } });
    const plain = await load();
    const gzip = await load('gzip');
    const br = await load('gzip, deflate, br, zstd');

    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toContain('<title>c1-gateway GraphiQL</title>');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    // The page is ~9 MB; compressed it is a fraction of that.
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    const etags = [plain, gzip, br].map((r) => r.headers['etag']);
    expect(new Set(etags).size).toBe(3);
    for (const r of [plain, gzip, br]) {
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['vary']).toMatch(/accept-encoding/i);
    }
    // Compressed once: a second load is the same bytes under the same tag.
    const again = await load('br');
    expect(again.headers['etag']).toBe(br.headers['etag']);
    expect(again.body.equals(br.body)).toBe(true);
  });

  it('gives browsers that open it at once, before its package has loaded, the same page under the same ETag', async () => {
    gw = await startGateway({ listen: true });
    const loads = await Promise.all(
      Array.from({ length: 4 }, () => exchange(`${gw.url}/graphql`, { headers: { accept: 'text/html', 'accept-encoding': 'br' } })),
    );

    expect(loads.map((l) => l.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(loads.map((l) => l.headers['etag'])).size).toBe(1);
    expect(loads.every((l) => l.body.equals(loads[0]!.body))).toBe(true);
  });

  it('answers a reload carrying its ETag in If-None-Match with 304 and no body', async () => {
    gw = await startGateway({ listen: true });
    const headers = { accept: 'text/html', 'accept-encoding': 'gzip, br' };
    const first = await exchange(`${gw.url}/graphql`, { headers });
    const etag = String(first.headers['etag']);

    const reload = await exchange(`${gw.url}/graphql`, { headers: { ...headers, 'if-none-match': etag } });
    expect(reload.status).toBe(304);
    expect(reload.body.length).toBe(0);
    expect(reload.headers['etag']).toBe(etag);

    // A tag of another coding, or of an older page, gets the page again.
    const stale = await exchange(`${gw.url}/graphql`, { headers: { ...headers, 'if-none-match': '"an-older-page"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(first.body)).toBe(true);
  });
});
