import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { parseHead, rawExchange } from '../helpers/raw-http.js';

const DECLARED = 100 * 1024 * 1024;
const FRAME = Buffer.alloc(64 * 1024, 'x');
/** Far below the declared 100 MB, yet above what socket buffers on both ends can hold. */
const READ_BOUND = 16 * 1024 * 1024;

const head = (headers: string) => `POST /graphql HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n${headers}`;

describe('a body over MAX_REQUEST_BYTES', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ listen: true });
  });
  afterAll(() => gw.close());

  it('declared as 100 MB gets 413 with Connection: close, and the server hangs up instead of reading it', async () => {
    const seen = await rawExchange(gw.url, {
      head: head(`content-length: ${DECLARED}`),
      next: (queued) => (queued < DECLARED ? FRAME : null),
    });
    const { status, headers } = parseHead(seen.received);
    expect(status).toBe(413);
    expect(headers.connection).toBe('close');
    expect(seen.sentAll).toBe(false);
    expect(seen.written).toBeLessThan(READ_BOUND);
  });

  it('streamed chunked without a length gets 413 with Connection: close, and the server hangs up', async () => {
    const frame = Buffer.concat([Buffer.from(`${FRAME.length.toString(16)}\r\n`), FRAME, Buffer.from('\r\n')]);
    let ended = false;
    const seen = await rawExchange(gw.url, {
      head: head('transfer-encoding: chunked'),
      next: (queued) => {
        if (queued < DECLARED) return frame;
        if (ended) return null;
        ended = true;
        return Buffer.from('0\r\n\r\n');
      },
    });
    const { status, headers } = parseHead(seen.received);
    expect(status).toBe(413);
    expect(headers.connection).toBe('close');
    expect(seen.sentAll).toBe(false);
    expect(seen.written).toBeLessThan(READ_BOUND);
  });
});

describe('REQUEST_BODY_TIMEOUT_MS', () => {
  // Node's timer, not ours: these tests wait on real time, so the bound is kept small.
  const TIMEOUT_MS = 300;

  it('answers 408 and hangs up on a client that stops sending its body part-way', async () => {
    const gw = await startGateway({ env: { REQUEST_BODY_TIMEOUT_MS: String(TIMEOUT_MS) }, listen: true });
    try {
      const seen = await rawExchange(gw.url, {
        head: head('content-length: 100'),
        next: (queued) => (queued === 0 ? Buffer.from('{"query":') : null),
        hold: true,
      });
      expect(parseHead(seen.received).status).toBe(408);
      expect(parseHead(seen.received).headers.connection).toBe('close');
    } finally {
      await gw.close();
    }
  });

  it('does not cut a request whose body arrived in time but whose upstream answers after the bound', async () => {
    const gw = await startGateway({
      env: { REQUEST_BODY_TIMEOUT_MS: String(TIMEOUT_MS) },
      sandboxOptions: { latencyMs: 3 * TIMEOUT_MS },
      listen: true,
    });
    try {
      const id = SAMPLE_CLIENT_ID;
      const body = await gw.query(`{ personalClient(id: "${id}") { id } }`);
      expect(body).toEqual({ data: { personalClient: { id } } });
      expect(gw.sandbox.stats.apiGets).toBe(1);
    } finally {
      await gw.close();
    }
  });
});
