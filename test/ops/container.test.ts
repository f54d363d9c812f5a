import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandbox, credentialFromSecret, SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway } from '../helpers/gateway.js';
import { closeAfterEach } from '../helpers/closers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The Dockerfile's stages, by name, as text (continuation lines joined). */
function stages(dockerfile: string): Map<string, string> {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const result = new Map<string, string>();
  for (const part of joined.split(/^(?=FROM )/m).slice(1)) {
    const name = /^FROM \S+ AS (\S+)/.exec(part)?.[1] ?? '';
    result.set(name, part);
  }
  return result;
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = [...stages(dockerfile).values()].at(-1) ?? '';

  it('builds in one stage and runs in a last stage with only production dependencies', () => {
    expect([...stages(dockerfile).keys()]).toEqual(['build', 'runtime']);
    expect(stages(dockerfile).get('build')).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci [^\n]*--omit=dev/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^COPY schema\.graphql \.\/$/m); // read at start-up by dist/graphql/schema.js
  });

  it('runs node as a non-root user under an init process, in production mode, with a health check', () => {
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^ENV NODE_ENV=production\b/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "-e", ".*\/health/m);
    // The same command as `npm start`, Node flags included.
    const pkg = JSON.parse(read('package.json')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toMatch(/^node (--[\w-]+=\S+ )*dist\/main\.js$/);
    expect(runtime).toMatch(new RegExp(`^CMD ${escapeRegExp(JSON.stringify(pkg.scripts.start.split(' ')).replaceAll(',', ', '))}$`, 'm'));
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(2[2-9]|[3-9]\d)-[\w-]*slim$/m);
  });

  it('needs nothing at run time that `npm ci --omit=dev` leaves out', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8').replace(/^import type .*$/gm, '');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^'.][^']*)'/g)) {
        if (spec === undefined || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');
  const anchor = (name: string) => new RegExp(`&${name} "([^"]+)"`).exec(compose)?.[1] ?? '';

  const closers = closeAfterEach();

  it('runs the sandbox from the same image, and the gateway after it is healthy', () => {
    expect(existsSync(join(ROOT, 'src', 'sandbox', 'main.ts'))).toBe(true);
    expect(compose).toContain('command: ["node", "dist/sandbox/main.js"]');
    expect(compose).toMatch(/depends_on:\s+sandbox:\s+condition: service_healthy/);
    expect(compose).toContain('C1_API_URL: "http://sandbox:4010"');
    expect(compose).toContain('SANDBOX_AUDIENCES: "sandbox"');
    // sandbox, redis, and the gateway template both replicas merge in
    expect(compose.match(/healthcheck:/g)).toHaveLength(3);
  });

  it('carries a fake sandbox credential that really works through the token flow', async () => {
    const clientId = anchor('sandbox-client-id');
    const clientSecret = anchor('sandbox-client-secret');
    expect(credentialFromSecret(clientId, clientSecret).clientId).toBe(clientId);

    const sandbox = createSandbox({ adminCredential: { clientId, clientSecret } });
    await sandbox.listen(0);
    closers.push(() => sandbox.close());
    const gw = await startGateway({ sandbox, env: { C1_CLIENT_ID: clientId, C1_CLIENT_SECRET: clientSecret } });
    closers.push(() => gw.close());
    const body = await gw.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    expect(body).toEqual({ data: { personalClient: { id: SAMPLE_CLIENT_ID } } });
    expect(sandbox.stats.tokenSuccesses).toBe(1);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
