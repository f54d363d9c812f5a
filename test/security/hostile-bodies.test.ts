import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    gw = await startGateway();
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
