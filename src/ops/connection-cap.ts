import type { Socket } from 'node:net';
import type { ConnectionShedKind } from '../kernel/observer.js';

/** The kinds this cap sheds; 'pipelined' is server.ts's, through RequestTurns. */
export type ShedKind = Exclude<ConnectionShedKind, 'pipelined'>;

export interface ConnectionCapOptions {
  /** Connections open at once, at most (see `connectionCapFor`). */
  max: number;
  /**
   * A connection was closed to stay within `max`, to make room for a new one: one that never sent a
   * request ('silent'), else the one idle the longest ('idle'); or the new one itself, every open
   * connection having a request in progress ('refused').
   */
  onShed?(kind: ShedKind): void;
  /** The number of open connections changed. */
  onOpen?(open: number): void;
}

/**
 * At most `max` client connections open at once. Each costs a file descriptor and a few KB of
 * memory before it has sent a byte, so a flood of silent ones (nothing sent, each held until the
 * header timeout) would otherwise take every descriptor: then no C1 call can open a socket, and no
 * one else can connect.
 *
 * At the cap, a new connection takes the place of an idle one: the oldest of those that have never
 * sent a request, else the one whose last answer went out before any other's. A connection with a
 * request in progress is never closed; the newcomer is refused only when every open one has one.
 * A flood of silent connections thus only ever replaces itself, however fast it churns: a client
 * that connects and asks at once is answered, and a kept-alive connection that has asked before
 * is closed only when no silent one is left. To hold a place for long, a connection must keep
 * asking, and its requests are bounded like any other (per-caller admission).
 */
export class ConnectionCap {
  readonly #max: number;
  readonly #options: ConnectionCapOptions;
  /** Open connections that have not sent a request yet, oldest first (a Set keeps insertion order). */
  readonly #silent = new Set<Socket>();
  /** Open connections between requests, the one idle the longest first. */
  readonly #idle = new Set<Socket>();
  /** Open connections with a request in progress (one at a time: server.ts takes a connection's requests in turn). */
  readonly #busy = new Set<Socket>();

  constructor(options: ConnectionCapOptions) {
    if (!(options.max >= 1)) throw new RangeError('ConnectionCap max must be at least 1');
    this.#max = options.max;
    this.#options = options;
  }

  get open(): number {
    return this.#silent.size + this.#idle.size + this.#busy.size;
  }

  /** node:http's `connection` listener. */
  readonly admit = (socket: Socket): void => {
    socket.once('close', () => this.#forget(socket));
    this.#silent.add(socket);
    if (this.open > this.#max) {
      // The oldest silent one; if that is this one, no other is silent.
      const silent = first(this.#silent) as Socket;
      if (silent !== socket) this.#shed(silent, 'silent');
      else this.#shed(first(this.#idle) ?? socket, this.#idle.size > 0 ? 'idle' : 'refused');
    }
    this.#options.onOpen?.(this.open);
  };

  /** A request of `socket` started. */
  requestStarted(socket: Socket): void {
    if (this.#silent.delete(socket) || this.#idle.delete(socket)) this.#busy.add(socket);
  }

  /** The request of `socket` is over (its response closed): the connection is idle again. */
  requestEnded(socket: Socket): void {
    // Added last: of the idle connections, this one was active most recently. A closed one is
    // forgotten on its 'close'.
    if (!socket.destroyed && this.#busy.delete(socket)) this.#idle.add(socket);
  }

  #shed(socket: Socket, kind: ShedKind): void {
    this.#silent.delete(socket);
    this.#idle.delete(socket);
    socket.destroy();
    this.#options.onShed?.(kind);
  }

  #forget(socket: Socket): void {
    if (this.#silent.delete(socket) || this.#idle.delete(socket) || this.#busy.delete(socket)) this.#options.onOpen?.(this.open);
  }
}

function first<T>(set: Set<T>): T | undefined {
  return set.values().next().value;
}

/** Descriptors kept for everything but client connections and C1 sockets: Redis, the OTLP exporter, stdio, files. */
const RESERVED_FILES = 256;

/**
 * The cap to run with: `configured` (MAX_CONNECTIONS), lowered when the process may not open that
 * many files besides those it needs for everything else: two per C1 call in flight (its socket, and
 * the embedded sandbox's end of it in sandbox mode) and RESERVED_FILES.
 */
export function connectionCapFor(configured: number, openFilesLimit: number | undefined, upstreamMaxInFlight: number): number {
  if (openFilesLimit === undefined) return configured;
  return Math.max(1, Math.min(configured, openFilesLimit - 2 * upstreamMaxInFlight - RESERVED_FILES));
}
