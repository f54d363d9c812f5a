import { describe, expect, it } from 'vitest';
import { spawnGateway } from '../helpers/spawn-gateway.js';

const MAIN = ['--import', 'tsx', 'src/main.ts'];

describe('npm start without credentials', () => {
  it('serves the embedded sandbox: GraphiQL loads and the logged example query returns data', async () => {
    const gateway = spawnGateway(MAIN, { NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1' });
    try {
      const listening = await gateway.waitForLine((l) => typeof l['url'] === 'string');
      const example = await gateway.waitForLine((l) => typeof l['exampleQuery'] === 'string');
      const url = listening['url'] as string;

      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('YogaGraphiQL');
      expect(html).not.toMatch(/<script[^>]+src="https?:\/\//); // nothing from a CDN

      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: example['exampleQuery'] }),
      });
      const body = (await response.json()) as { data?: { personalClient?: { id: string } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.personalClient?.id).toBe((example['exampleIds'] as string[])[0]);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('refuses to start in production without credentials, naming the missing variables', async () => {
    const gateway = spawnGateway(MAIN, { NODE_ENV: 'production', PORT: '0' });
    expect(await gateway.exited).toBe(1);
    const output = JSON.stringify(gateway.lines);
    expect(output).toContain('C1_CLIENT_ID');
    expect(output).toContain('C1_CLIENT_SECRET');
  });

  it('names every bad variable in one error and never echoes a secret value', async () => {
    const gateway = spawnGateway(MAIN, {
      NODE_ENV: 'production',
      PORT: 'not-a-port',
      CACHE_TTL_MS: '-5',
      C1_CLIENT_SECRET: 'secret-token:conductorone.com:v1:c3VwZXItc2VjcmV0',
    });
    expect(await gateway.exited).toBe(1);
    const output = JSON.stringify(gateway.lines);
    expect(output).toContain('PORT');
    expect(output).toContain('CACHE_TTL_MS');
    expect(output).toContain('C1_CLIENT_ID');
    expect(output).toContain('C1_CLIENT_SECRET: key part does not decode to JSON');
    expect(output).not.toContain('c3VwZXItc2VjcmV0');
  });
});
