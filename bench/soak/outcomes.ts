/**
 * What one hostile request came back as, in words a report can count: data, an error code (with its
 * `extensions.reason`), an HTTP status, or a transport error. Answers may be many megabytes, so the
 * body is streamed and only its head kept: 48 callers must not make the harness the one that runs out.
 */
import type { Dispatcher } from 'undici';
import { percentile } from '../stats.js';
import { classify } from './responses.js';

/** @default 65_536 — bytes of an answer kept to classify it; the rest is counted, not stored. */
export const HEAD_BYTES = 64 * 1024;

interface ErrorBody {
  errors?: { extensions?: { code?: unknown; reason?: unknown } }[];
}

/** Codes and reasons from the head of a body too large to keep whole (GraphQL puts `errors` first). */
function scanHead(head: string): string[] {
  const found = new Set<string>();
  for (const m of head.matchAll(/"code":"([A-Z_]+)"(?:,"reason":"([^"]{0,60})")?/g)) {
    found.add(m[2] === undefined ? String(m[1]) : `${m[1]} (${m[2]})`);
  }
  return [...found];
}

/** The outcome of an answer from its first bytes; `complete` when `head` is the whole body. */
export function outcomeOf(status: number, head: string, complete = true): string {
  if (!complete) {
    const codes = scanHead(head);
    if (codes.length > 0) return `HTTP ${status} ${codes.join('+')} (+ data)`;
    return status === 200 && head.startsWith('{"data"') ? 'data' : `HTTP ${status} unparsed`;
  }
  const { verdict, codes } = classify(status, head);
  if (verdict === 'data') return 'data';
  if (codes[0]?.startsWith('HTTP ')) return codes[0]; // no GraphQL body: classify says what came instead
  let reasons: unknown[] = [];
  try {
    reasons = ((JSON.parse(head) as ErrorBody).errors ?? []).map((e) => e.extensions?.reason);
  } catch {
    // classify has already named a non-JSON answer
  }
  const labels = new Set(codes.map((code, i) => (typeof reasons[i] === 'string' ? `${code} (${String(reasons[i])})` : code)));
  return `HTTP ${status} ${[...labels].join('+')}`;
}

/** Reads the whole answer; returns its outcome and size in bytes. */
export async function readOutcome(response: Dispatcher.ResponseData): Promise<{ outcome: string; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    if (bytes < HEAD_BYTES) chunks.push(chunk);
    bytes += chunk.length;
  }
  const head = Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8');
  return { outcome: outcomeOf(response.statusCode, head, bytes <= HEAD_BYTES), bytes };
}

export function transportOutcome(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return `transport ${typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'}`;
}

/** e.g. `data 120, HTTP 200 BAD_USER_INPUT (operation too costly) 30`, most frequent first. */
export function describeCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${n}`).join(', ') || 'none';
}

/** Counts per outcome, answer sizes and latencies for one kind of caller. */
export class OutcomeTally {
  readonly outcomes = new Map<string, number>();
  readonly latenciesMs: number[] = [];
  bytesOut = 0;
  maxBytesOut = 0;

  add(outcome: string, ms: number, bytes = 0): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    this.latenciesMs.push(ms);
    this.bytesOut += bytes;
    this.maxBytesOut = Math.max(this.maxBytesOut, bytes);
  }

  get count(): number {
    return this.latenciesMs.length;
  }

  describe(): string {
    return describeCounts(this.outcomes);
  }

  latency(q: number): number {
    return percentile([...this.latenciesMs].sort((a, b) => a - b), q);
  }

  /** A tally that crossed a thread (structured clone keeps the fields, not the class). */
  static from(fields: Pick<OutcomeTally, 'outcomes' | 'latenciesMs' | 'bytesOut' | 'maxBytesOut'>): OutcomeTally {
    const tally = new OutcomeTally();
    fields.outcomes.forEach((n, outcome) => tally.outcomes.set(outcome, n));
    tally.latenciesMs.push(...fields.latenciesMs);
    tally.bytesOut = fields.bytesOut;
    tally.maxBytesOut = fields.maxBytesOut;
    return tally;
  }
}
