import { afterEach, describe, expect, it } from 'vitest';
import { createGraphiQLOptions } from '../../src/graphql/graphiql.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** GET /graphql as a browser asks for it. */
async function openInBrowser(gw: TestGateway) {
  const response = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
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
});
