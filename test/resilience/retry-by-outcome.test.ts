import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStaticTokenSource } from '../../src/auth/static-token-source.js';
import { createClientCredentialsTokenSource } from '../../src/auth/token-manager.js';
import { isGatewayError, type GatewayError } from '../../src/kernel/errors.js';
import { createRetryPolicy } from '../../src/resilience/retry-policy.js';
import { createPersonalClientsApi } from '../../src/upstream/personal-clients-api.js';
import { makeTestKey } from '../auth/keys.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { RETRY_BOUNDS } from '../helpers/bounds.js';

const testKey = makeTestKey();
// Two retries, no waiting: the attempt count is all these tests look at.
const retry = () => createRetryPolicy({ ...RETRY_BOUNDS, retries: 2, sleep: async () => undefined });

let c1: FakeUpstream | undefined;
const agent = new Agent();
afterEach(async () => {
  await c1?.close();
  c1 = undefined;
});
afterAll(() => agent.destroy());

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

function tokenFrom(origin: string): Promise<string> {
  const source = createClientCredentialsTokenSource({
    clientId: 'strange-hydra-68836@acme.conductor.one/pcc',
    clientSecret: testKey.secret,
    tokenUrl: `${origin}/auth/v1/token`,
    audience: 'acme.conductor.one',
    dispatcher: agent,
    policy: retry(),
    expiryMarginMs: 30_000,
    requestTimeoutMs: 10_000,
  });
  return source.getToken().finally(() => source.close());
}

function clientFrom(origin: string): Promise<unknown> {
  const api = createPersonalClientsApi({ baseUrl: origin, dispatcher: agent, maxBodyBytes: 1_048_576, policy: retry() });
  return api.get('pc-1', { tokens: createStaticTokenSource('tok') });
}

describe.each([
  ['the token endpoint', tokenFrom],
  ['the personal-clients API', clientFrom],
])('%s is retried exactly when its error says it is retryable', (_name, call) => {
  it.each([
    [500, 1, false],
    [503, 3, true],
    [502, 3, true],
    [403, 1, false],
  ])('HTTP %i: %i attempt(s), retryable %s', async (status, attempts, retryable) => {
    c1 = await startFakeUpstream(() => ({ status, body: {} }));
    const error = await failureOf(call(c1.origin));
    expect(error).toMatchObject({ status, retryable });
    expect(c1.requests).toHaveLength(attempts);
  });
});
