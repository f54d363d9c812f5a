import { EventEmitter } from 'node:events';
import { Agent, request } from 'undici';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCallerAdmission } from '../../src/security/caller-admission.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

describe('per-caller admission', () => {
  // C1 answers only when the test says so; `holding(n)` resolves once n GETs are waiting for an answer.
  let held: (() => void)[];
  let heldChanged: () => void;
  const holding = (n: number) =>
    new Promise<void>((resolve) => {
      heldChanged = () => held.length >= n && resolve();
      heldChanged();
    });
  let upstream: FakeUpstream;
  let gw: TestGateway;
  const agents = new Map<string, Agent>();

  beforeEach(async () => {
    busy = false;
    held = [];
    heldChanged = () => undefined;
    upstream = await startFakeUpstream(
      (req) =>
        new Promise((answer) => {
          const id = decodeURIComponent(req.path.split('/').pop() ?? '');
          held.push(() => answer({ body: { client: { id } } }));
          heldChanged();
        }),
    );
  });
  afterEach(async () => {
    for (const release of held) release();
    await Promise.all([...agents.values()].map((a) => a.close()));
    agents.clear();
    await gw.close();
    await upstream.close();
  });

  // Whether the gateway's event loop counts as saturated: pinned by the test, not sampled.
  let busy = false;
  const start = (env: Record<string, string> = {}) =>
    startGateway({
      env: { C1_ACCESS_TOKEN: 'static-test-token', C1_API_URL: upstream.origin, CALLER_MAX_IN_FLIGHT: '1', CALLER_MAX_QUEUED: '1', ...env },
      deps: { eventLoopLoad: { busy: () => busy, close: () => undefined } },
      // Callers are told apart by their peer address, which only a socket has.
      listen: true,
    }).then((started) => (gw = started));

  /** One GraphQL request for `id`, sent from `address` (each loopback address is another caller). */
  const ask = async (id: string, address = '127.0.0.1'): Promise<Answer> => {
    let agent = agents.get(address);
    if (agent === undefined) agents.set(address, (agent = new Agent({ localAddress: address })));
    const response = await request(`${gw.url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ personalClient(id: "${id}") { id } }` }),
    });
    const retryAfter = response.headers['retry-after'];
    return { status: response.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, body: (await response.body.json()) as Answer['body'] };
  };

  it('keeps a caller to its requests in progress, queues the next in order, refuses past the queue, and serves other callers at once', async () => {
    await start();
    const first = ask('a-1');
    await holding(1); // a-1 is in progress, waiting for C1
    const second = ask('a-2'); // waits its turn: nothing reaches C1 for it yet
    const third = await ask('a-3'); // the queue of 1 is full
    expect(third).toMatchObject({ status: 503, retryAfter: '1', body: { errors: [{ extensions: { code: 'OVERLOADED' } }] } });

    const other = ask('b-1', '127.0.0.2'); // another caller is not held up by the first one's queue
    await holding(2);
    expect(upstream.requests.map((r) => r.path.split('/').pop())).toEqual(['a-1', 'b-1']);

    held.splice(0).forEach((release) => release());
    expect((await first).body).toEqual({ data: { personalClient: { id: 'a-1' } } });
    expect((await other).body).toEqual({ data: { personalClient: { id: 'b-1' } } });
    await holding(1); // a-2's turn came when a-1 was answered
    held.splice(0).forEach((release) => release());
    expect((await second).body).toEqual({ data: { personalClient: { id: 'a-2' } } });
    expect(upstream.requests.map((r) => r.path.split('/').pop())).toEqual(['a-1', 'b-1', 'a-2']);
  });

  it('allows CALLER_MAX_IN_FLIGHT while the event loop keeps up, and CALLER_MAX_IN_FLIGHT_BUSY while it is saturated', async () => {
    await start({ CALLER_MAX_IN_FLIGHT: '3', CALLER_MAX_IN_FLIGHT_BUSY: '1', CALLER_MAX_QUEUED: '10' });
    const calm = [ask('calm-1'), ask('calm-2'), ask('calm-3')];
    await holding(3); // all three in progress at once
    held.splice(0).forEach((release) => release());
    await Promise.all(calm);

    busy = true;
    const first = ask('busy-1');
    await holding(1);
    const second = ask('busy-2'); // waits: one in progress is all a caller gets now
    const other = ask('other-1', '127.0.0.2'); // another caller still gets its one
    await holding(2);
    expect(upstream.requests.map((r) => r.path.split('/').pop()).slice(3)).toEqual(['busy-1', 'other-1']);
    held.splice(0).forEach((release) => release());
    await Promise.all([first, other]);
    await holding(1);
    held.splice(0).forEach((release) => release());
    expect((await second).body).toEqual({ data: { personalClient: { id: 'busy-2' } } });
  });

  it('leaves /health, /ready and /metrics out of it', async () => {
    await start();
    const first = ask('a-1');
    await holding(1);
    const second = ask('a-2');
    for (const path of ['/health', '/metrics']) expect((await fetch(`${gw.url}${path}`)).status).toBe(200);
    held.splice(0).forEach((release) => release());
    await first;
    await holding(1);
    held.splice(0).forEach((release) => release());
    await second;
  });
});

describe('per-caller admission, in-process', () => {
  it('answers OVERLOADED to a request that waited longer than its bound for a turn, and keeps the turn order', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { slow: Int }', resolvers: { Query: { slow: () => gate.then(() => 1) } } }),
      plugins: [createCallerAdmission({ maxInFlight: () => 1, maxQueued: 5, maxWaitMs: 50, callerOf: (request: Request) => request.headers.get('x-caller') ?? '' }).plugin],
    });
    const ask = (caller: string) =>
      yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-caller': caller },
        body: JSON.stringify({ query: '{ slow }' }),
      });
    const first = ask('a'); // in progress until the gate opens
    const waited = await ask('a');
    expect(waited.status).toBe(503);
    expect(await waited.json()).toMatchObject({ errors: [{ extensions: { code: 'OVERLOADED' } }] });
    open();
    expect(await (await first).json()).toEqual({ data: { slow: 1 } });
    // The timed-out waiter left the queue: the caller's next request is admitted at once.
    expect(await (await ask('a')).json()).toEqual({ data: { slow: 1 } });
  });

  it('lets waiting requests go on when the limit rises, without waiting for one of the caller\'s requests to end', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let limit = 1;
    const admission = createCallerAdmission({ maxInFlight: () => limit, maxQueued: 5, maxWaitMs: 10_000, callerOf: () => 'one caller' });
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { slow: Int fast: Int }',
        resolvers: { Query: { slow: () => gate.then(() => 1), fast: () => 2 } },
      }),
      plugins: [admission.plugin],
    });
    const ask = (query: string) =>
      yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const slow = ask('{ slow }'); // holds the caller's one turn
    let fastDone = false;
    const fast = Promise.resolve(ask('{ fast }')).then(async (r) => {
      fastDone = true;
      return r.json();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fastDone).toBe(false); // waiting for a turn
    limit = 2; // the event loop is calm again
    admission.rebalance();
    expect(await fast).toEqual({ data: { fast: 2 } }); // went on while the slow one still runs
    open();
    expect(await (await slow).json()).toEqual({ data: { slow: 1 } });
  });

  it('ends a turn when the answer has left the process, not when it is handed over: an answer nobody reads holds its turn', async () => {
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { fast: Int }', resolvers: { Query: { fast: () => 2 } } }),
      plugins: [createCallerAdmission({ maxInFlight: () => 1, maxQueued: 5, maxWaitMs: 10_000, callerOf: () => 'one caller' }).plugin],
    });
    // node:http's response as the plugin sees it: open until its answer is written out.
    const unread = Object.assign(new EventEmitter(), { closed: false });
    const ask = (res?: object) =>
      yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ fast }' }) }, { res });
    expect(await (await ask(unread)).json()).toEqual({ data: { fast: 2 } });
    let nextDone = false;
    const next = Promise.resolve(ask()).then(async (r) => {
      nextDone = true;
      return r.json();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(nextDone).toBe(false); // the first answer is still in the process: its turn goes on
    unread.closed = true;
    unread.emit('close');
    expect(await next).toEqual({ data: { fast: 2 } });
  });
});
