import type { Socket } from 'node:net';

/**
 * One request at a time per connection: pipelined requests wait their turn, as nginx serves them.
 *
 * node:http hands the handler every request it parses, at once. Two things went wrong with that:
 * - A connection cut before its answers went out never closed the responses queued behind the
 *   current one, so what waits for a response to close (the drain, per-caller admission) kept them
 *   for good: 100 connections of 300 pipelined requests each, cut after sending, grew the heap by
 *   about 160 MB every time, and the caller's admission turns were never given back.
 * - 50 connections pipelining 20,000 cheap requests each kept a caller elsewhere without an answer
 *   for 20 s: each answer let the next request start within the same tick, so the loop never got
 *   round to reading another socket.
 * Here a connection has one request in progress; the next starts on the loop's next turn after the
 * answer before it has gone out, so its response is the connection's current one and closes with it.
 * At most `maxWaiting` wait; one more cuts the connection, and what it had sent is dropped unread.
 */
export class RequestTurns {
  readonly #maxWaiting: number;
  readonly #onCut: (() => void) | undefined;
  /** Connections with a request in progress, and the requests waiting behind it (null: none). */
  readonly #lines = new WeakMap<Socket, (() => void)[] | null>();

  constructor(options: { maxWaiting: number; onCut?: () => void }) {
    this.#maxWaiting = options.maxWaiting;
    this.#onCut = options.onCut;
  }

  /** Runs `serve` now if no other request of `socket` is in progress, else after those before it. */
  take(socket: Socket, serve: () => void): void {
    // node:http goes on handing out what it had parsed from a read after the connection was cut.
    if (socket.destroyed) return;
    const waiting = this.#lines.get(socket);
    if (waiting === undefined) {
      this.#lines.set(socket, null);
      serve();
    } else if (waiting === null) {
      this.#lines.set(socket, [serve]);
    } else if (waiting.length < this.#maxWaiting) {
      waiting.push(serve);
    } else {
      this.#lines.delete(socket);
      socket.destroy();
      this.#onCut?.();
    }
  }

  /**
   * The request in progress on `socket` is over (its response closed): the next one's turn, on the
   * loop's next turn (setImmediate), so a pipelining connection takes one request per turn of the
   * loop, like any other connection.
   */
  done(socket: Socket): void {
    const waiting = this.#lines.get(socket);
    if (waiting === undefined) return;
    if (waiting === null || waiting.length === 0 || socket.destroyed) {
      this.#lines.delete(socket);
      return;
    }
    setImmediate(() => {
      const next = waiting.shift();
      if (next === undefined || socket.destroyed) this.#lines.delete(socket);
      else next();
    });
  }
}
