/**
 * Tracing at the edge. The OpenTelemetry SDK is loaded by `loadTracing`, and only when tracing is
 * on: with no OTLP endpoint nothing of it is imported, and the data path runs the kernel's no-op
 * port. This module holds only the edge's interface, so importing it costs nothing either.
 */
import type { TracingConfig } from '../config.js';
import type { TraceRef, TraceSpan, Tracer } from '../kernel/tracer.js';

/** One GraphQL HTTP request's span: the parent of everything its request does. */
export interface RequestTrace {
  readonly span: TraceSpan;
  /** Semantic conventions name a GraphQL span `{type} {name}`, known only once the document is parsed. */
  rename(name: string): void;
  /** For log lines: the ids of this span, whether or not it is sampled. */
  readonly traceId: string;
  readonly spanId: string;
}

export interface Tracing {
  /** The port the data path is handed. */
  tracer: Tracer;
  /**
   * The request's span, a child of the caller's `traceparent`/`tracestate` when they parse; a
   * malformed one is ignored and a new trace starts. Never throws.
   */
  startRequest(headers: Headers): RequestTrace;
  /** Spans lost so far: the export queue was full, or an export failed (endpoint unreachable). */
  droppedSpans(): { queueFull: number; exportFailed: number };
  /** Exports what is queued, then stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** The adapter for `config`, or undefined when tracing is off: then no SDK module is loaded. */
export async function loadTracing(config: TracingConfig | undefined): Promise<Tracing | undefined> {
  if (config === undefined) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(config);
}

export type { TraceRef };
