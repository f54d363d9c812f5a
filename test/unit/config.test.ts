import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('uses the sandbox outside production when no credentials are set, with documented defaults', () => {
    const config = loadConfig({});
    expect(config.credentials).toEqual({ kind: 'sandbox' });
    expect(config).toMatchObject({ PORT: 4000, CACHE_TTL_MS: 30_000, UPSTREAM_MAX_IN_FLIGHT: 16, GRAPHIQL: true });
  });

  it('prefers client credentials and keeps the secret out of the top-level config', () => {
    const config = loadConfig({ C1_CLIENT_ID: 'a@b/c', C1_CLIENT_SECRET: 'secret-token:x:v1:y' });
    expect(config.credentials).toEqual({ kind: 'client-credentials', clientId: 'a@b/c', clientSecret: 'secret-token:x:v1:y' });
    expect(Object.keys(config)).not.toContain('C1_CLIENT_SECRET');
  });

  it('turns GraphiQL and introspection off by default in production, unless asked', () => {
    const prod = { NODE_ENV: 'production', C1_ACCESS_TOKEN: 't', C1_API_URL: 'https://x.example' };
    expect(loadConfig(prod)).toMatchObject({ GRAPHIQL: false, INTROSPECTION: false });
    expect(loadConfig({ ...prod, GRAPHIQL: 'true' }).GRAPHIQL).toBe(true);
  });

  it('lists every bad variable in one error', () => {
    try {
      loadConfig({ PORT: '99999', CACHE_TTL_MS: 'soon', C1_CLIENT_ID: 'a@b/c' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/CACHE_TTL_MS/);
      expect(problems).toMatch(/C1_CLIENT_SECRET: required/);
    }
  });

  it('requires C1_API_URL with a static token', () => {
    expect(() => loadConfig({ C1_ACCESS_TOKEN: 't' })).toThrow(/C1_API_URL/);
  });
});
