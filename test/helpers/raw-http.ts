import { connect } from 'node:net';

/** What a raw HTTP/1.1 client saw of one exchange. */
export interface RawExchange {
  /** Everything the server sent, as latin1 text (status line, headers, body). */
  received: string;
  /** Body bytes the socket accepted from us before it closed. */
  written: number;
  /** Whether we ran out of body to send (the server read it all) rather than the server closing first. */
  sentAll: boolean;
}

export interface RawRequest {
  /** Request line and headers, without the blank line that ends them. */
  head: string;
  /** The next body frame to send, or null when done; `queued` counts the bytes handed over so far. */
  next: (queued: number) => Buffer | null;
  /** After the last frame, keep the socket open (a client gone quiet) instead of ending it. */
  hold?: boolean;
}

/**
 * Speaks HTTP/1.1 over a bare socket, so a test can declare a body it never finishes, keep writing
 * past the point where a well-behaved client would stop, and see whether the server hangs up.
 * Resolves once the socket is closed (by either side; we only end it after sending everything,
 * and not even then with `hold`).
 */
export function rawExchange(url: string, request: RawRequest): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let written = 0;
    let queued = 0;
    let sentAll = false;
    let closed = false;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A server that hangs up while we write resets the connection: that is an outcome, not a failure.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ received: Buffer.concat(received).toString('latin1'), written, sentAll });
    });
    const pump = (): void => {
      for (;;) {
        if (closed) return;
        const frame = request.next(queued);
        if (frame === null) {
          sentAll = true;
          if (request.hold !== true) socket.end();
          return;
        }
        queued += frame.length;
        const more = socket.write(frame, (err) => {
          if (!err) written += frame.length;
        });
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once('connect', () => {
      socket.write(`${request.head}\r\n\r\n`);
      pump();
    });
  });
}

/** The status code and lower-cased headers of the first response in `received`. */
export function parseHead(received: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = received.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}
