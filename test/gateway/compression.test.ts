import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { seedClients } from '../../src/sandbox/seed.js';
import { ALL_FIELDS, startGateway, type TestGateway } from '../helpers/gateway.js';
import { exchange } from '../helpers/http-bytes.js';

const MANY = `query Many($ids: [ID!]!) { personalClients(ids: $ids) { ${ALL_FIELDS} } }`;
const ONE = `query One($id: ID!) { personalClient(id: $id) { ${ALL_FIELDS} } }`;
const JSON_HEADERS = { 'content-type': 'application/json' };

const decoders = { gzip: gunzipSync, br: brotliDecompressSync } as const;

describe('compressed answers', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  const post = (body: object, headers: Record<string, string> = {}) =>
    exchange(`${gw.url}/graphql`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
  const fiftyIds = () => gw.sandbox.clients.slice(0, 50).map((c) => c.id);

  it('sends a 50-client answer gzip- or br-compressed as accepted, decoding to the uncompressed bytes', async () => {
    gw = await startGateway({ listen: true });
    const body = { query: MANY, variables: { ids: fiftyIds() } };
    const plain = await post(body);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(gw.config.COMPRESSION_MIN_BYTES);
    expect(JSON.parse(plain.body.toString()).data.personalClients).toHaveLength(50);

    for (const [accept, coding] of [['gzip', 'gzip'], ['br', 'br'], ['gzip, deflate, br', 'br'], ['br;q=0.5, gzip', 'gzip']] as const) {
      const packed = await post(body, { 'accept-encoding': accept });
      expect(packed.status).toBe(200);
      expect(packed.headers['content-encoding']).toBe(coding);
      expect(packed.headers['vary']).toMatch(/accept-encoding/i);
      expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
      expect(packed.body.length).toBeLessThan(plain.body.length / 2);
      expect(decoders[coding](packed.body).equals(plain.body)).toBe(true);
    }
  });

  it('sends a one-client answer uncompressed even to a client that accepts gzip and br', async () => {
    gw = await startGateway({ listen: true });
    const answer = await post({ query: ONE, variables: { id: seedClients()[0]?.id } }, { 'accept-encoding': 'gzip, br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.length).toBeLessThan(gw.config.COMPRESSION_MIN_BYTES);
    expect(JSON.parse(answer.body.toString()).data.personalClient.id).toBe(seedClients()[0]?.id);
  });

  it('leaves answers below COMPRESSION_MIN_BYTES uncompressed, and refuses nothing when identity alone is accepted', async () => {
    gw = await startGateway({ env: { COMPRESSION_MIN_BYTES: '10000000' }, listen: true });
    const big = await post({ query: MANY, variables: { ids: fiftyIds() } }, { 'accept-encoding': 'gzip, br' });
    expect(big.headers['content-encoding']).toBeUndefined();
    const identityOnly = await exchange(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'accept-encoding': 'identity, gzip;q=0, br;q=0' },
      body: JSON.stringify({ query: MANY, variables: { ids: fiftyIds() } }),
    });
    expect(identityOnly.headers['content-encoding']).toBeUndefined();
    expect(identityOnly.body.equals(big.body)).toBe(true);
  });
});

describe('compressed request bodies', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  it('refuses a gzip bomb with 415 without inflating it, and nothing reaches C1', async () => {
    gw = await startGateway({ listen: true });
    // 64 MB of JSON whitespace around a query compresses to ~64 KB: under MAX_REQUEST_BYTES.
    const inflated = Buffer.concat([Buffer.from('{"query":"{ __typename }"'), Buffer.alloc(64 * 2 ** 20, ' '), Buffer.from('}')]);
    const bomb = gzipSync(inflated, { level: 9 });
    expect(bomb.length).toBeLessThan(gw.config.MAX_REQUEST_BYTES);
    const before = gw.sandbox.stats.apiGets;

    const answer = await exchange(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip', 'content-length': String(bomb.length) },
      body: bomb,
    });

    expect(answer.status).toBe(415);
    expect(answer.headers['accept-encoding']).toBe('identity');
    expect(JSON.parse(answer.body.toString())).toEqual({
      errors: [{ message: expect.stringMatching(/Compressed request bodies are not accepted/), extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
    expect(gw.sandbox.stats.apiGets).toBe(before);
    // The gateway is unharmed: the next request is answered.
    expect((await gw.query('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses br and chunked gzip bodies too, and takes Content-Encoding: identity as plain', async () => {
    gw = await startGateway({ listen: true });
    for (const coding of ['br', 'deflate', 'gzip, identity']) {
      const answer = await exchange(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'content-encoding': coding, 'transfer-encoding': 'chunked' },
        body: gzipSync('{"query":"{ __typename }"}'),
      });
      expect(answer.status).toBe(415);
    }
    const identity = await exchange(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'content-encoding': 'identity' },
      body: '{"query":"{ __typename }"}',
    });
    expect(identity.status).toBe(200);
    expect(JSON.parse(identity.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });
});
