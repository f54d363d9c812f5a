import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, SAMPLE_CLIENT_ID, type Sandbox } from '../../src/sandbox/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The production start path: `npm run build` (tsc -p tsconfig.build.json), then `node dist/main.js`.
 * The build goes to a temporary directory laid out like the container (package.json, schema.graphql,
 * dist/, node_modules), so the test neither races other builds of dist/ nor depends on one.
 */
describe('production start path: node dist/main.js', () => {
  let dir: string;
  let sandbox: Sandbox;
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c1-gateway-prod-'));
    await promisify(execFile)(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
      // Same JavaScript as `npm run build`, minus the type check that `npm run check` already does.
      '--noCheck',
    ]);
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await copyFile(join(ROOT, 'schema.graphql'), join(dir, 'schema.graphql'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    sandbox = createSandbox();
    await sandbox.listen(0);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function nextLine(test: (line: string) => boolean): Promise<string> {
    const seen = lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ test, resolve }));
  }

  it('serves GraphQL, /health and /metrics with JSON logs, and exits 0 on SIGTERM', async () => {
    // GraphiQL is off in production, so its package (~28 MiB of script text once imported) is never
    // loaded: a resolve hook refuses it, and a static import of it anywhere would stop the start.
    const refuseGraphiQL = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(
      `data:text/javascript,export async function resolve(s, c, next) { if (s === '@graphql-yoga/render-graphiql') throw new Error('GraphiQL package loaded'); return next(s, c); }`,
    )});`;
    child = spawn(process.execPath, ['--import', refuseGraphiQL, join(dir, 'dist', 'main.js')], {
      cwd: dir,
      // Only what production sets: no NODE_ENV=test or tool variables leak in from the test runner.
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: '2000',
        C1_CLIENT_ID: sandbox.credentials.clientId,
        C1_CLIENT_SECRET: sandbox.credentials.clientSecret,
        C1_API_URL: sandbox.url,
        CURSOR_SECRET: 'test-cursor-secret-not-for-production-use',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    const exited = once(child, 'exit');

    const started = nextLine((l) => l.includes('c1-gateway listening'));
    const exitedAtStart = exited.then(() => Promise.reject(new Error(`exited at start: ${stderr.join('').slice(0, 500)}`)));
    exitedAtStart.catch(() => undefined); // it also rejects when the SIGTERM below ends the process
    const listening = JSON.parse(await Promise.race([started, exitedAtStart])) as { url: string };
    const origin = new URL(listening.url).origin;

    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'smoke-1' },
      body: JSON.stringify({ query: `query Smoke { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }` }),
    });
    expect(response.headers.get('x-request-id')).toBe('smoke-1');
    expect(await response.json()).toEqual({ data: { personalClient: { id: SAMPLE_CLIENT_ID } } });
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toContain('c1_gateway_graphql_requests_total{operation="Smoke",outcome="ok"} 1');
    await nextLine((l) => l.includes('"msg":"graphql request"'));

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr.join('')).toBe('');
    // Production logs are JSON lines (pino-pretty is a devDependency and never loaded here).
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l['msg'])).toContain('shutdown complete');
    expect(parsed.find((l) => l['msg'] === 'graphql request')).toMatchObject({ requestId: 'smoke-1', operation: 'Smoke' });
  }, 30_000);
});
