import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

/** The text of one top-level block (two-space indented name, or a top-level `x-` key, up to the next one). */
function block(name: string, indent = '  '): string {
  const start = compose.indexOf(`\n${indent}${name}:`);
  if (start < 0) return '';
  const rest = compose.slice(start + 1);
  const next = rest.slice(1).search(new RegExp(`\\n${indent}[\\w-]+:`));
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('docker-compose.yml scales out', () => {
  it('runs a Redis with a health check, as a cache (no persistence, evicting)', () => {
    const redis = block('redis');
    expect(redis).toContain('image: redis:7-alpine');
    expect(redis).toMatch(/healthcheck:\s+test: \["CMD", "redis-cli", "ping"\]/);
    expect(redis).toContain('"--maxmemory-policy", "allkeys-lru"');
  });

  it('runs two gateway replicas from one template that points them at Redis after it is healthy', () => {
    const template = block('x-gateway', '');
    expect(template).toContain('REDIS_URL: "redis://redis:6379"');
    expect(template).toMatch(/redis:\s+condition: service_healthy/);
    expect(block('gateway')).toContain('<<: *gateway');
    expect(block('gateway-2')).toContain('<<: *gateway');
    expect(block('gateway')).toMatch(/- "4000:4000"/);
    expect(block('gateway-2')).toMatch(/- "4001:4000"/);
  });
});
