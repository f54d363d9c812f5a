import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';

/** Debian's chromium package (`apt-get install -y chromium`): playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-results/graphiql.png';
/** Quiet, offline-friendly flags: no background downloads, sync or component updates during the test. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // containers run as root, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Monaco draws spaces as no-break spaces; compare text as typed. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('GraphiQL in a real browser, against `npm start` in sandbox mode', () => {
  let gateway: SpawnedGateway;
  let context: BrowserContext;
  let profileDir: string;
  let graphqlUrl: string;
  let exampleId: string;

  beforeAll(async () => {
    // The real entry point, as `npm start` runs it without credentials: embedded sandbox + example id.
    gateway = spawnGateway(['--import', 'tsx', 'src/main.ts'], { NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1' });
    graphqlUrl = (await gateway.waitForLine((l) => typeof l['url'] === 'string'))['url'] as string;
    const example = await gateway.waitForLine((l) => Array.isArray(l['exampleIds']));
    exampleId = (example['exampleIds'] as string[])[0] as string;
    profileDir = await mkdtemp(join(tmpdir(), 'c1-gateway-chromium-'));
    // A fresh profile per run: no cookies, cache or service workers from an earlier run.
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
  });
  afterAll(async () => {
    await context?.close();
    await gateway?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('runs the default query as is and shows the seeded client in the result pane, loading nothing off localhost', async () => {
    const expected = await displayNameOf(graphqlUrl, exampleId);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));

    await page.goto(graphqlUrl);
    const execute = page.locator('.graphiql-execute-button');
    await execute.waitFor({ state: 'visible' });
    // The query editor holds the default query, seeded id included, before anything is typed.
    await expect.poll(async () => plain(await page.locator('.graphiql-query-editor').innerText())).toContain(exampleId);
    await execute.click();

    const response = page.locator('.graphiql-response');
    await expect.poll(async () => plain(await response.innerText()), { timeout: 15_000 }).toContain(expected);
    expect(plain(await response.innerText())).not.toContain('"errors"');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    const offHost = requested.filter((url) => {
      const { protocol, host, hostname } = new URL(url);
      return /^(https?|wss?):$/.test(protocol) && !LOCAL_HOSTS.has(hostname) && !LOCAL_HOSTS.has(host);
    });
    expect(offHost).toEqual([]);
    // The listener did see traffic (page, introspection, query), so the empty list above means something.
    expect(requested.filter((url) => url.startsWith(graphqlUrl)).length).toBeGreaterThanOrEqual(2);
  });
});

/** The expected answer, asked over plain HTTP so the browser's result is checked against the server. */
async function displayNameOf(graphqlUrl: string, id: string): Promise<string> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query($id: ID!) { personalClient(id: $id) { displayName } }', variables: { id } }),
  });
  const body = (await response.json()) as { data?: { personalClient?: { displayName?: string } } };
  const name = body.data?.personalClient?.displayName;
  if (!name) throw new Error(`the sandbox has no displayName for ${id}`);
  return name;
}
