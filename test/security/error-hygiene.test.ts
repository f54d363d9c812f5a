import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const BEARER = 'c1-bearer-do-not-leak-7f3a';
const ROUTER_SECRET = 'router-secret-do-not-leak-91c2';
const MARKER = 'UPSTREAM-BODY-MARKER';
const INTERNAL_HOST = 'db.internal.corp';
const BOOM = `boom while calling http://${INTERNAL_HOST}:5432/?token=${BEARER}`;

/** A C1 stand-in whose every failure body carries the marker, an internal host and the bearer. */
function hostileUpstream(): Promise<FakeUpstream> {
  const leak = `${MARKER} ${INTERNAL_HOST} ${BEARER} at Object.<anonymous> (/srv/app/x.js:1:1)`;
  return startFakeUpstream((request) => {
    const id = decodeURIComponent(request.path.split('/').pop() ?? '');
    if (id === 'fail-500') return { status: 500, body: { code: 13, message: leak } };
    if (id === 'fail-403') return { status: 403, body: { code: 7, message: leak } };
    if (id === 'fail-429') return { status: 429, headers: { 'retry-after': '0' }, body: leak };
    if (id === 'fail-shape') return { body: { client: { id: 42, displayName: leak } } };
    if (id === 'fail-json') return { headers: { 'content-type': 'application/json' }, body: `{ ${leak}` };
    if (id === 'fail-html') return { headers: { 'content-type': 'text/html' }, body: `<h1>${leak}</h1>` };
    if (id === 'fail-redirect') return { status: 302, headers: { location: `http://${INTERNAL_HOST}/login?${BEARER}` } };
    return { body: { client: { id, displayName: 'fine' } } };
  });
}

function expectClean(text: string, upstream: FakeUpstream): void {
  for (const secret of [BEARER, ROUTER_SECRET, MARKER, INTERNAL_HOST, upstream.origin, new URL(upstream.origin).host, 'boom']) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/"stack"|\bat \S+ \(|\.(?:ts|js):\d+/);
}

describe('error responses in production mode', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let armed = false;
  beforeAll(async () => {
    upstream = await hostileUpstream();
    gw = await startGateway({
      env: { NODE_ENV: 'production', C1_ACCESS_TOKEN: BEARER, C1_API_URL: upstream.origin, ROUTER_SECRET, UPSTREAM_RETRIES: '0' },
      deps: {
        // Armed, the clock throws like a bug deep in the data path would: an unexpected error.
        clock: () => {
          if (armed) throw new Error(BOOM);
          return Date.now();
        },
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const send = async (body: string, headers: Record<string, string> = { 'x-router-secret': ROUTER_SECRET }) => {
    const response = await gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return response.text();
  };
  const ask = (id: string) => send(JSON.stringify({ query: 'query($id: ID!) { personalClient(id: $id) { id displayName } }', variables: { id } }));

  it.each(['fail-500', 'fail-403', 'fail-429', 'fail-shape', 'fail-json', 'fail-html', 'fail-redirect'])(
    'upstream failure %s → a coded error with no upstream body, host, bearer or stack',
    async (id) => {
      const text = await ask(id);
      expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toMatch(/^UPSTREAM_/);
      expectClean(text, upstream);
    },
  );

  it('an unexpected internal error → INTERNAL_SERVER_ERROR, its message and stack masked', async () => {
    armed = true;
    try {
      const text = await ask('anything');
      expect(text).toContain('INTERNAL_SERVER_ERROR');
      expectClean(text, upstream);
    } finally {
      armed = false;
    }
  });

  it('refusals at the edge (401, 413, syntax, validation, introspection) leak nothing either', async () => {
    const answers = [
      await send(JSON.stringify({ query: '{ __typename }' }), { 'x-router-secret': 'wrong' }),
      await send(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(200 * 1024) } })),
      await send(JSON.stringify({ query: '{ personalClient(id: "x") { ' })),
      await send(JSON.stringify({ query: '{ personalClien(id: "x") { id } }' })),
      await send(JSON.stringify({ query: '{ __schema { types { name } } }' })),
    ];
    for (const text of answers) expectClean(text, upstream);
    expect(answers[3]).not.toMatch(/Did you mean/);
    expect(answers[4]).toMatch(/introspection/i);
  });
});
