import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectionCapFor } from '../../src/ops/connection-cap.js';
import { openFilesLimit } from '../../src/ops/open-files.js';
import { startServer, type RunningServer } from '../../src/ops/server.js';
import { createLogObserver } from '../../src/observability/log-observer.js';
import { createLogger } from '../../src/kernel/logger.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { closeAfterEach } from '../helpers/closers.js';
import { until } from '../helpers/loop-turns.js';
import { startGateway } from '../helpers/gateway.js';
import { seriesValue } from './prometheus-text.js';

const closers = closeAfterEach();

/** A server capped at `max` connections that answers each request when the test says so. */
async function cappedServer(max: number) {
  const opens: number[] = [];
  const shed: string[] = [];
  const held: (() => void)[] = [];
  const server = await startServer(
    (req, res) => {
      req.resume();
      const answer = () => res.end('ok');
      if (req.url === '/hold') held.push(answer);
      else answer();
    },
    { port: 0, connections: { max, onOpen: (n) => opens.push(n), onShed: (kind) => shed.push(kind) } },
  );
  closers.push(() => server.close(100));
  return { server, opens, shed, held };
}

/** Raw client connections, each one admitted by the server (its `onOpen`) before the next is opened. */
class Clients {
  readonly sockets: Socket[] = [];
  readonly closed = new Set<number>();
  readonly #received = new Map<number, string>();
  constructor(private readonly running: RunningServer, private readonly opens: number[]) {
    closers.push(async () => {
      for (const s of this.sockets) s.destroy();
    });
  }

  async open(): Promise<number> {
    const reported = this.opens.length;
    const port = Number(new URL(this.running.url).port);
    const socket = connect(port, '127.0.0.1');
    const index = this.sockets.push(socket) - 1;
    socket.on('close', () => this.closed.add(index));
    socket.on('data', (chunk: Buffer) => this.#received.set(index, this.received(index) + chunk.toString()));
    socket.on('error', () => undefined);
    await until(() => this.opens.length > reported);
    return index;
  }

  /** Everything connection `index` has received. */
  received(index: number): string {
    return this.#received.get(index) ?? '';
  }

  /** Sends a keep-alive request on connection `index` and waits for its whole answer (or, with `wait` false, does not). */
  async ask(index: number, path = '/', wait = true): Promise<string> {
    const socket = this.sockets[index] as Socket;
    let received = '';
    const done = new Promise<string>((resolve) => {
      const onData = (chunk: Buffer) => {
        received += chunk.toString();
        if (received.endsWith('ok')) {
          socket.off('data', onData);
          resolve(received);
        }
      };
      socket.on('data', onData);
    });
    socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
    return wait ? done : '';
  }

  async closedSoon(index: number): Promise<void> {
    await until(() => this.closed.has(index));
  }
}


describe('connection cap', () => {
  it('at the cap, a new connection takes the place of the oldest that never sent a request', async () => {
    const { server, opens, shed } = await cappedServer(2);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    const b = await clients.open();
    const c = await clients.open();
    await clients.closedSoon(a);
    expect([...clients.closed]).toEqual([a]);
    expect(shed).toEqual(['silent']);
    expect(opens.at(-1)).toBe(2);
    // The newcomer is served.
    expect(await clients.ask(c)).toContain('200 OK');
    expect(clients.closed.has(b)).toBe(false);
  });

  it('keeps a connection that has asked while any silent one is left, however many newcomers churn', async () => {
    const { server, opens, shed } = await cappedServer(3);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    await clients.ask(a);
    // Ten newcomers that send nothing: each replaces the oldest silent one, never a.
    for (let i = 0; i < 10; i += 1) await clients.open();
    await until(() => clients.closed.size === 8);
    expect(clients.closed.has(a)).toBe(false);
    expect(shed).toEqual(Array.from({ length: 8 }, () => 'silent'));
    expect(await clients.ask(a)).toContain('200 OK');
  });

  it('with no silent connection, closes the one whose last answer went out first', async () => {
    const { server, opens, shed } = await cappedServer(2);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    const b = await clients.open();
    // b asked first, a last: b has been idle the longest, though a connected first.
    await clients.ask(b);
    await clients.ask(a);
    const c = await clients.open();
    await clients.closedSoon(b);
    expect(clients.closed.has(a)).toBe(false);
    expect(shed).toEqual(['idle']);
    expect(await clients.ask(c)).toContain('200 OK');
  });

  it('never closes a connection with a request in progress: the newcomer is refused instead', async () => {
    const { server, opens, shed, held } = await cappedServer(1);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    const answered = clients.ask(a, '/hold');
    await until(() => held.length === 1);
    const b = await clients.open();
    await clients.closedSoon(b);
    expect(shed).toEqual(['refused']);
    held[0]?.();
    expect(await answered).toContain('200 OK');
    expect(clients.closed.has(a)).toBe(false);
    // Idle again: the next newcomer takes its place.
    const c = await clients.open();
    await clients.closedSoon(a);
    expect(shed).toEqual(['refused', 'idle']);
    expect(await clients.ask(c)).toContain('200 OK');
  });

  it('keeps a pipelining connection busy until its last answer', async () => {
    const { server, opens, shed, held } = await cappedServer(1);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    void clients.ask(a, '/hold', false);
    void clients.ask(a, '/hold', false);
    // Taken in turn (request-turns.ts): the second starts once the first is answered.
    await until(() => held.length === 1);
    held[0]?.();
    await until(() => held.length === 2);
    const b = await clients.open();
    await clients.closedSoon(b);
    expect(shed).toEqual(['refused']);
    expect(clients.closed.has(a)).toBe(false);
    held[1]?.();
    await until(() => clients.received(a).split('200 OK').length === 3);
  });

  it('forgets connections that close, whoever closes them', async () => {
    const { server, opens } = await cappedServer(3);
    const clients = new Clients(server, opens);
    const a = await clients.open();
    await clients.open();
    await clients.ask(a);
    for (const socket of clients.sockets) socket.end();
    await until(() => opens.at(-1) === 0);
  });
});

describe('the gateway under a flood of idle connections', () => {
  it('keeps answering new callers and counts what it closed', async () => {
    const gateway = await startGateway({ listen: true, env: { MAX_CONNECTIONS: '4' } });
    closers.push(() => gateway.close());
    const flood: Socket[] = [];
    const closed: number[] = [];
    closers.push(async () => {
      for (const s of flood) s.destroy();
    });
    const port = Number(new URL(gateway.url).port);
    for (let i = 0; i < 8; i += 1) {
      const socket = connect(port, '127.0.0.1');
      socket.on('close', () => closed.push(i));
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      flood.push(socket);
    }
    // A caller connecting now still gets its answer, in place of an idle flood connection.
    const body = await gateway.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    expect(body).toEqual({ data: { personalClient: { id: SAMPLE_CLIENT_ID } } });
    await until(() => closed.length >= 5);
    // The oldest flood connections went first.
    expect(closed.slice(0, 5).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
    const metrics = await (await gateway.fetch('/metrics')).text();
    expect(seriesValue(metrics, 'c1_gateway_http_connections_shed_total', { kind: 'silent' })).toBe(closed.length);
    expect(seriesValue(metrics, 'c1_gateway_http_connections_shed_total', { kind: 'idle' })).toBe(0);
    expect(seriesValue(metrics, 'c1_gateway_http_connections_shed_total', { kind: 'refused' })).toBe(0);
    expect(seriesValue(metrics, 'c1_gateway_http_connections')).toBe(4);
  });

  it('logs the shedding at most once per 10 s, saying how many lines it held back', () => {
    const chunks: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void chunks.push(chunk) } });
    let now = 0;
    const observer = createLogObserver(logger, () => now);
    observer.connectionShed('silent');
    observer.connectionShed('idle');
    observer.connectionShed('refused');
    now += 10_000;
    observer.connectionShed('idle');
    const lines = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['msg'], l['kind'], l['suppressed']])).toEqual([
      ['client connection closed to stay within bounds', 'silent', 0],
      ['client connection closed to stay within bounds', 'idle', 2],
    ]);
  });
});

describe('the cap the gateway runs with', () => {
  const limits = (soft: string) =>
    'Limit                     Soft Limit           Hard Limit           Units     \n' +
    'Max processes             96364                96364                processes \n' +
    `Max open files            ${soft}                1048576              files     \n`;

  it('reads the soft open-files limit, where there is one', () => {
    expect(openFilesLimit(() => limits('20000'))).toBe(20_000);
    expect(openFilesLimit(() => limits('unlimited'))).toBeUndefined();
    expect(
      openFilesLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
    // This machine's own, read for real.
    expect(openFilesLimit()).toBeGreaterThan(0);
  });

  it('is MAX_CONNECTIONS, lowered to what the open-files limit leaves besides C1 sockets', () => {
    expect(connectionCapFor(10_000, undefined, 128)).toBe(10_000);
    expect(connectionCapFor(10_000, 1_048_576, 128)).toBe(10_000);
    // 1,024 files: two per C1 slot (256) and 256 for the rest leave 512.
    expect(connectionCapFor(10_000, 1_024, 128)).toBe(512);
    expect(connectionCapFor(10_000, 100, 128)).toBe(1);
  });
});
