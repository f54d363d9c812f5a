import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/ops/server.js';
import { closeAfterEach } from '../helpers/closers.js';
import { until } from '../helpers/loop-turns.js';

const closers = closeAfterEach();

describe('drain', () => {
  it('tells every response still in progress when it starts to close its connection, whatever order the others ended in', async () => {
    const held = new Map<string, () => void>();
    const server = await startServer(
      (req, res) => {
        req.resume();
        held.set(req.url ?? '', () => res.end('ok'));
      },
      { port: 0 },
    );
    // One connection per request: each response is the only one on its socket.
    const agent = new Agent({ connections: 8, pipelining: 1 });
    closers.push(() => agent.close());
    const paths = ['/0', '/1', '/2', '/3', '/4', '/5'];
    const answers = paths.map((path) => request(`${server.url}${path}`, { dispatcher: agent }));
    await until(() => held.size === paths.length);

    // Ended before the drain, out of order: the tracking must keep the rest (it swaps the last in).
    for (const path of ['/1', '/4', '/0']) held.get(path)!();
    const early = await Promise.all([answers[1]!, answers[4]!, answers[0]!]);
    expect(early.map((r) => r.headers['connection'])).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);

    const closed = server.close(5_000);
    for (const path of ['/5', '/2', '/3']) held.get(path)!();
    const late = await Promise.all([answers[5]!, answers[2]!, answers[3]!]);
    expect(late.map((r) => r.headers['connection'])).toEqual(['close', 'close', 'close']);
    await Promise.all([...early, ...late].map((r) => r.body.text()));
    // Every connection closed with its last answer: the drain did not wait for its timeout.
    await closed;
  });
});
