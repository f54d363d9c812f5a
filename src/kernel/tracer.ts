/**
 * The tracing port. The data path (cache/, upstream/, auth/, loading/) speaks only this; the
 * OpenTelemetry adapter lives at the edge (observability/tracing.ts) and is loaded only when
 * tracing is on. A span's place in a trace travels beside the request id, in the request's load
 * context, rather than in AsyncLocalStorage: that was measured costly on the hot path here.
 */

/** Where a span sits in its trace: opaque to the data path, which only parents children under it. */
export interface TraceRef {
  /** Whether this trace is recorded. Children of an unsampled trace are not even started. */
  readonly sampled: boolean;
  /** The ids a log line about this work carries, sampled or not (absent without tracing). */
  readonly logIds?: { trace_id: string; span_id: string } | undefined;
}

/** Attribute values: never a token, a secret or a raw id list. */
export type TraceAttributes = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface TraceSpan {
  /** This span, as the parent of its children and of the trace context sent to C1. */
  readonly ref: TraceRef;
  set(attributes: TraceAttributes): void;
  /** Marks the span failed with a stable error code (`error.type`); never the message. */
  fail(code: string): void;
  end(): void;
}

export interface SpanOptions {
  kind?: 'internal' | 'client';
  attributes?: TraceAttributes;
  /** Spans this one is linked from, e.g. the shared token fetch a request waited on. */
  links?: readonly TraceRef[];
}

export interface Tracer {
  /**
   * A child of `parent`, or undefined when there is no parent or it is not sampled: callers write
   * `span?.end()`, so an unsampled request allocates nothing. `parent` null starts a new trace.
   */
  start(name: string, parent: TraceRef | undefined | null, options?: SpanOptions): TraceSpan | undefined;
  /** The W3C `traceparent`/`tracestate` headers naming `ref` as the parent, added to `headers`. */
  inject(ref: TraceRef | undefined, headers: Record<string, string>): void;
}

export const noopTracer: Tracer = {
  start: () => undefined,
  inject: () => undefined,
};

/** Ends `span` failed with the error's code when it has one (GatewayError), else with `fallback`. */
export function endWith(span: TraceSpan | undefined, error: unknown, fallback = 'INTERNAL'): void {
  if (span === undefined) return;
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : fallback;
  span.fail(code);
  span.end();
}
