import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useReadinessEndpoint } from '../../src/ops/readiness-endpoint.js';

function yogaWith(check: () => boolean | Promise<boolean>) {
  let checks = 0;
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
    logging: false,
    plugins: [
      useReadinessEndpoint({
        check: () => {
          checks += 1;
          return check();
        },
      }),
    ],
  });
  return { yoga, checks: () => checks };
}

describe('the /ready endpoint', () => {
  it('answers 200 when the check says ready and 503 when it says not', async () => {
    let ready = true;
    const { yoga } = yogaWith(() => ready);
    expect((await yoga.fetch('http://gw/ready')).status).toBe(200);
    ready = false;
    expect((await yoga.fetch('http://gw/ready')).status).toBe(503);
  });

  it('answers 503 when the check rejects, and waits for an asynchronous check', async () => {
    expect((await yogaWith(() => Promise.reject(new Error('no token'))).yoga.fetch('http://gw/ready')).status).toBe(503);
    expect((await yogaWith(() => Promise.resolve(true)).yoga.fetch('http://gw/ready?probe=1')).status).toBe(200);
  });

  it('leaves every other path to Yoga without running the check', async () => {
    const { yoga, checks } = yogaWith(() => false);
    const response = await yoga.fetch('http://gw/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ok }' }),
    });
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect((await yoga.fetch('http://gw/not-ready')).status).toBe(404);
    expect(checks()).toBe(0);
  });
});
