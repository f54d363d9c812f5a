import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_PIPELINED_WAITING, startServer } from '../../src/ops/server.js';
import { closeAfterEach } from '../helpers/closers.js';
import { turns, until } from '../helpers/loop-turns.js';
import { startGateway } from '../helpers/gateway.js';

const closers = closeAfterEach();


/** A server that answers each request (`GET /<n>` answers `n`) when the test says so, and records what it saw. */
async function heldServer() {
  const held: { path: string; answer: () => void }[] = [];
  const closedResponses: string[] = [];
  let cuts = 0;
  const server = await startServer(
    (req, res) => {
      req.resume();
      const path = req.url ?? '';
      res.once('close', () => closedResponses.push(path));
      held.push({ path, answer: () => res.end(`answer ${path};`) });
    },
    { port: 0, onPipelineCut: () => (cuts += 1) },
  );
  closers.push(() => server.close(100));
  const client = async (): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    closers.push(async () => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    return { socket, received: () => received, closed: () => closed };
  };
  return { held, closedResponses, cuts: () => cuts, client };
}

const pipelined = (paths: string[]) => paths.map((p) => `GET ${p} HTTP/1.1\r\nhost: x\r\n\r\n`).join('');

describe('pipelined requests', () => {
  it('are taken one at a time, in order, each once the answer before it has gone out', async () => {
    const { held, client } = await heldServer();
    const { socket, received } = await client();
    socket.write(pipelined(['/1', '/2', '/3']));
    await until(() => held.length === 1);
    await turns(10);
    expect(held.map((h) => h.path)).toEqual(['/1']);
    held[0]?.answer();
    await until(() => held.length === 2);
    expect(held[1]?.path).toBe('/2');
    held[1]?.answer();
    await until(() => held.length === 3);
    held[2]?.answer();
    await until(() => received().includes('answer /3;'));
    expect([...received().matchAll(/answer (\/\d);/g)].map((m) => m[1])).toEqual(['/1', '/2', '/3']);
  });

  it('take one turn of the event loop each, so one connection cannot keep the loop from other sockets', async () => {
    let handled = 0;
    let atFirstTurnEnd: number | undefined;
    const server = await startServer(
      (req, res) => {
        handled += 1;
        // Scheduled while the first is handled: runs once the loop has gone round to other sockets.
        if (handled === 1) setImmediate(() => (atFirstTurnEnd = handled));
        res.end('answer;');
      },
      { port: 0 },
    );
    closers.push(() => server.close(100));
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    closers.push(async () => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(pipelined(['/1', '/2', '/3', '/4', '/5']));
    await until(() => received.split('answer;').length === 6);
    // Answered within one tick, the next four would all have run before the loop went round.
    expect(atFirstTurnEnd).toBe(1);
  });

  it(`cut the connection past ${MAX_PIPELINED_WAITING} waiting, and what it sent is never handled`, async () => {
    const { held, client, cuts } = await heldServer();
    const { socket, closed } = await client();
    const paths = Array.from({ length: 300 }, (_, i) => `/${i}`);
    socket.write(pipelined(paths));
    await until(closed);
    expect(cuts()).toBe(1);
    // The first was in progress when the rest arrived; nothing after it was handled.
    await turns(10);
    expect(held.map((h) => h.path)).toEqual(['/0']);
  });

  it('leave no response open when their connection goes before their turn', async () => {
    const { held, client, closedResponses } = await heldServer();
    const { socket } = await client();
    socket.write(pipelined(['/1', '/2', '/3', '/4']));
    await until(() => held.length === 1);
    socket.destroy();
    // Every response handed to the handler closes: nothing waits for one forever.
    await until(() => closedResponses.length === held.length);
    expect(closedResponses).toEqual(['/1']);
  });
});

describe('the gateway, pipelined to', () => {
  it('serves the same caller afterwards: requests dropped with their connection hold no turn', async () => {
    const gateway = await startGateway({ listen: true });
    closers.push(() => gateway.close());
    const body = JSON.stringify({ query: '{ __typename }' });
    const request = `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    // More than a caller may have in progress (CALLER_MAX_IN_FLIGHT, 64), sent at once, and cut
    // before the answers are out: taken all at once, none of their responses would ever close, and
    // per-caller admission would wait for them for good.
    for (let round = 0; round < 3; round += 1) {
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(request.repeat(100), () => socket.destroy());
      await closed;
    }
    // The same address is the same caller: it still gets a turn at once.
    expect(await gateway.query('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });
});
