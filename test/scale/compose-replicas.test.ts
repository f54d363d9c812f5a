import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The text of one top-level service block (two-space indented name, up to the next one). */
function service(compose: string, name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`);
  if (start < 0) return '';
  const rest = compose.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}[\w-]+:\n/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('docker-compose.replicas.yml', () => {
  const base = read('docker-compose.yml');
  const replicas = read('docker-compose.replicas.yml');
  const anchor = (text: string, name: string) => new RegExp(`&${name} "([^"]+)"`).exec(text)?.[1];

  it('adds a Redis with a health check, and points both gateways at it', () => {
    const redis = service(replicas, 'redis');
    expect(redis).toContain('image: redis:7-alpine');
    expect(redis).toMatch(/healthcheck:\s+test: \["CMD", "redis-cli", "ping"\]/);
    for (const name of ['gateway', 'gateway-2']) {
      expect(service(replicas, name)).toContain('REDIS_URL: "redis://redis:6379"');
    }
  });

  it('runs gateway-2 like the gateway, on another host port', () => {
    const gateway = service(base, 'gateway');
    const second = service(replicas, 'gateway-2');
    const environment = gateway.split('\n').filter((l) => /^ {6}[A-Z0-9_]+: /.test(l));
    expect(environment.length).toBeGreaterThan(3);
    for (const line of environment) {
      expect(second).toContain(line); // every environment variable of the gateway, same value
    }
    expect(second).toContain('image: c1-gateway:local');
    expect(second).toMatch(/- "4001:4000"/);
    expect(gateway).not.toMatch(/"4001:/);
  });

  it('repeats exactly the sandbox credential of docker-compose.yml, so gateway-2 can get tokens', () => {
    for (const name of ['sandbox-client-id', 'sandbox-client-secret']) {
      expect(anchor(replicas, name)).toBeDefined();
      expect(anchor(replicas, name)).toBe(anchor(base, name));
    }
  });
});
