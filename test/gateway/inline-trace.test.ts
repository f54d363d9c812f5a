import { Trace } from '@apollo/usage-reporting-protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { JIT_AFTER_EXECUTIONS } from '../../src/graphql/jit.js';
import { noopObserver } from '../../src/kernel/observer.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const FTV1 = { 'apollo-federation-include-trace': 'ftv1' };
const QUERY = 'query One($id: ID!) { personalClient(id: $id) { id name: displayName scopedRoles } }';
const SECRET = 'a-router-secret-for-tests';

interface Answer {
  data?: unknown;
  errors?: unknown[];
  extensions?: { ftv1?: string };
}

/** Every node of a decoded trace, as `responseName` (or `[index]`) paths joined by dots. */
function pathsOf(node: Trace.INode, prefix = ''): string[] {
  const paths: string[] = [];
  for (const child of node.child ?? []) {
    const name = child.responseName ? child.responseName : `[${child.index}]`;
    const path = prefix === '' ? name : `${prefix}.${name}`;
    paths.push(path, ...pathsOf(child, path));
  }
  return paths;
}

function decode(answer: Answer): Trace {
  expect(typeof answer.extensions?.ftv1).toBe('string');
  return Trace.decode(Buffer.from(answer.extensions?.ftv1 ?? '', 'base64'));
}

describe('Apollo inline traces (ftv1)', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  const ask = (headers: Record<string, string>, query = QUERY, variables: object = { id: SAMPLE_CLIENT_ID }) =>
    gw.query(query, variables as Record<string, unknown>, headers) as Promise<Answer>;

  it('answers a request carrying apollo-federation-include-trace: ftv1 with a trace that names each resolved field', async () => {
    gw = await startGateway({ env: { INLINE_TRACES: 'any' } });
    const answer = await ask(FTV1);
    expect(answer.errors).toBeUndefined();
    const trace = decode(answer);

    expect(pathsOf(trace.root ?? {})).toEqual(['personalClient', 'personalClient.id', 'personalClient.name', 'personalClient.scopedRoles']);
    const [root] = trace.root?.child ?? [];
    expect(root).toMatchObject({ responseName: 'personalClient', type: 'PersonalClient', parentType: 'Query' });
    expect(root?.child?.[1]).toMatchObject({ responseName: 'name', originalFieldName: 'displayName', type: 'String' });
    expect(Number(trace.durationNs)).toBeGreaterThan(0);
    expect(trace.startTime?.seconds).toBeDefined();
    // The data is what an untraced request gets.
    expect(answer.data).toEqual((await ask({})).data);
  });

  it('sends no trace without the header, or with another value in it', async () => {
    gw = await startGateway({ env: { INLINE_TRACES: 'any' } });
    expect((await ask({})).extensions).toBeUndefined();
    expect((await ask({ 'apollo-federation-include-trace': 'ftv2' })).extensions).toBeUndefined();
  });

  it('puts a field error on the node of its path', async () => {
    gw = await startGateway({ env: { INLINE_TRACES: 'any' } });
    const answer = await ask(FTV1, 'query Two($ids: [ID!]!) { personalClients(ids: $ids) { id } }', { ids: [SAMPLE_CLIENT_ID, ''] });
    expect(answer.errors).toHaveLength(1);
    const list = decode(answer).root?.child?.[0];
    expect(list?.responseName).toBe('personalClients');
    const errors = [list, ...(list?.child ?? [])].flatMap((node) => node?.error ?? []);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]?.json ?? '{}')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('traces a hot document that graphql-jit compiled, which untraced requests keep running compiled', async () => {
    const compiled: string[] = [];
    gw = await startGateway({ env: { INLINE_TRACES: 'any' }, deps: { observer: { ...noopObserver, documentCompiled: (o) => compiled.push(o) } } });
    const untraced: unknown[] = [];
    for (let i = 0; i < JIT_AFTER_EXECUTIONS + 2; i += 1) untraced.push((await ask({})).data);
    expect(compiled).toEqual(['compiled']);

    const traced = await ask(FTV1);
    expect(pathsOf(decode(traced).root ?? {})).toContain('personalClient.name');
    expect(traced.data).toEqual(untraced[0]);
    const after = await ask({});
    expect(after.extensions).toBeUndefined();
    expect(after.data).toEqual(untraced[0]);
    expect(compiled).toEqual(['compiled']);
  });

  it('by default traces only requests that carried the router secret, so none when ROUTER_SECRET is unset', async () => {
    gw = await startGateway();
    expect(gw.config.INLINE_TRACES).toBe('router');
    expect((await ask(FTV1)).extensions).toBeUndefined();
    await gw.close();

    gw = await startGateway({ env: { ROUTER_SECRET: SECRET } });
    const fromRouter = await ask({ ...FTV1, 'x-router-secret': SECRET });
    expect(pathsOf(decode(fromRouter).root ?? {})).toContain('personalClient.id');
  });

  it('sends no trace to anyone with INLINE_TRACES=off', async () => {
    gw = await startGateway({ env: { INLINE_TRACES: 'off', ROUTER_SECRET: SECRET } });
    expect((await ask({ ...FTV1, 'x-router-secret': SECRET })).extensions).toBeUndefined();
  });
});
