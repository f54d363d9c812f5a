import type { Socket } from 'node:net';

export interface ConnectionCapOptions {
  /** Connections open at once, at most (see `connectionCapFor`). */
  max: number;
  /**
   * A connection was closed to stay within `max`: the one idle the longest, to make room for a new
   * one ('idle'), or the new one itself, every open connection having a request in progress ('refused').
   */
  onShed?(kind: 'idle' | 'refused'): void;
  /** The number of open connections changed. */
  onOpen?(open: number): void;
}

/**
 * At most `max` client connections open at once. Each costs a file descriptor and about 7 KB of
 * memory before it has sent a byte, so a flood of idle ones (nothing sent, each held until the
 * header timeout) would otherwise take every descriptor: then no C1 call can open a socket, and no
 * one else can connect.
 *
 * At the cap, a new connection takes the place of the connection idle the longest: one that has never
 * sent a request, or finished its last one before any other. A connection with a request in progress
 * is never closed. A flood of connections that send nothing thus only ever replaces itself, while a
 * client that connects and asks at once gets its answer; to hold a place, a connection must keep
 * asking, and its requests are bounded like any other (per-caller admission). The new connection is
 * refused only when every open one has a request in progress.
 */
export class ConnectionCap {
  readonly #max: number;
  readonly #options: ConnectionCapOptions;
  /** Open connections with no request in progress, the one idle the longest first (a Set keeps insertion order). */
  readonly #idle = new Set<Socket>();
  /** Open connections with requests in progress, and how many (pipelined requests overlap). */
  readonly #busy = new Map<Socket, number>();

  constructor(options: ConnectionCapOptions) {
    if (!(options.max >= 1)) throw new RangeError('ConnectionCap max must be at least 1');
    this.#max = options.max;
    this.#options = options;
  }

  get open(): number {
    return this.#idle.size + this.#busy.size;
  }

  /** node:http's `connection` listener. */
  readonly admit = (socket: Socket): void => {
    socket.once('close', () => this.#forget(socket));
    this.#idle.add(socket);
    if (this.open > this.#max) {
      // The first idle connection has been idle the longest; if it is this one, every other is busy.
      const oldest = this.#idle.values().next().value as Socket;
      this.#shed(oldest, oldest === socket ? 'refused' : 'idle');
    }
    this.#options.onOpen?.(this.open);
  };

  /** A request arrived on `socket`. */
  requestStarted(socket: Socket): void {
    if (this.#idle.delete(socket)) this.#busy.set(socket, 1);
    else if (this.#busy.has(socket)) this.#busy.set(socket, (this.#busy.get(socket) as number) + 1);
  }

  /** A request on `socket` is over (its response closed): the connection is idle again once none is left. */
  requestEnded(socket: Socket): void {
    const inProgress = this.#busy.get(socket);
    if (inProgress === undefined) return;
    if (inProgress > 1) {
      this.#busy.set(socket, inProgress - 1);
      return;
    }
    this.#busy.delete(socket);
    // Added last: of the idle connections, this one was active most recently.
    if (!socket.destroyed) this.#idle.add(socket);
    else this.#options.onOpen?.(this.open);
  }

  #shed(socket: Socket, kind: 'idle' | 'refused'): void {
    this.#idle.delete(socket);
    socket.destroy();
    this.#options.onShed?.(kind);
  }

  #forget(socket: Socket): void {
    if (this.#idle.delete(socket) || this.#busy.delete(socket)) this.#options.onOpen?.(this.open);
  }
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
