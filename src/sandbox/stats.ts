/** What the sandbox observed: per-route counters and a bounded log, so tests can assert call counts. */
import type { IncomingHttpHeaders } from 'node:http';

export interface SandboxStats {
  /** Every `POST /auth/v1/token`, whatever the outcome. */
  tokenRequests: number;
  tokenSuccesses: number;
  tokenFailures: number;
  /** Every `GET /api/v1/iam/personal_clients/{id}` (one path segment), whatever the outcome. */
  apiGets: number;
  apiGetsByStatus: Record<number, number>;
  /** Personal-client GETs being answered right now (includes artificial latency). */
  inFlightGets: number;
  maxInFlightGets: number;
  /** Every List (`GET /api/v1/iam/personal_clients`) and Search (`POST /api/v1/search/…`) page request. */
  apiPages: number;
  /** Everything else: health checks and requests to unknown routes (e.g. an unencoded `/` in an id). */
  otherRequests: number;
}

export interface RecordedRequest {
  method: string;
  /** The request target as sent, query included, still percent-encoded. */
  rawPath: string;
  /** The decoded id, for personal-client GETs that got as far as decoding it. */
  id?: string;
  status: number;
  headers: IncomingHttpHeaders;
}

/** How many requests the log keeps; older ones fall off. */
export const MAX_RECORDED_REQUESTS = 1000;

export function createStats(): SandboxStats {
  return {
    tokenRequests: 0,
    tokenSuccesses: 0,
    tokenFailures: 0,
    apiGets: 0,
    apiGetsByStatus: {},
    inFlightGets: 0,
    maxInFlightGets: 0,
    apiPages: 0,
    otherRequests: 0,
  };
}

/** Zeroes the counters in place (callers may hold the object); requests in flight stay counted. */
export function resetStats(stats: SandboxStats): void {
  const inFlight = stats.inFlightGets;
  Object.assign(stats, createStats(), { inFlightGets: inFlight, maxInFlightGets: inFlight });
}

export function recordApiStatus(stats: SandboxStats, status: number): void {
  stats.apiGetsByStatus[status] = (stats.apiGetsByStatus[status] ?? 0) + 1;
}

export class RequestLog {
  readonly #entries: RecordedRequest[] = [];

  constructor(private readonly max = MAX_RECORDED_REQUESTS) {}

  add(entry: RecordedRequest): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.max) this.#entries.shift();
  }

  /** A snapshot: later requests do not change an array a test already holds. */
  get entries(): readonly RecordedRequest[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
