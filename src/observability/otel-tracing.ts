/**
 * The OpenTelemetry adapter behind the kernel's tracing port, loaded only when tracing is on.
 * No global provider, propagator or context manager is registered: contexts are passed explicitly
 * (the request's span travels in its load context), so no AsyncLocalStorage runs on the hot path,
 * and several apps in one process (tests) never share a tracer.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import type { SpanOptions, TraceAttributes, TraceRef, TraceSpan, Tracer } from '../kernel/tracer.js';
import { createBoundedExport } from './otel-export.js';
import { samplerFor } from './otel-sampler.js';
import type { RequestTrace, Tracing } from './tracing.js';

const TRACER_NAME = 'c1-gateway';

/** A span and the context that names it as a parent: the adapter's side of the port's opaque ref. */
class OtelSpan implements TraceSpan, TraceRef {
  readonly sampled: boolean;
  #context: Context | undefined;

  constructor(readonly otel: Span) {
    this.sampled = (otel.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
  }

  /** Made when first needed: most spans parent nothing, and an unsampled request's rarely calls C1. */
  get context(): Context {
    this.#context ??= trace.setSpan(ROOT_CONTEXT, this.otel);
    return this.#context;
  }

  get ref(): TraceRef {
    return this;
  }

  get logIds(): { trace_id: string; span_id: string } {
    const { traceId, spanId } = this.otel.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  set(attributes: TraceAttributes): void {
    this.otel.setAttributes(cleaned(attributes));
  }

  fail(code: string): void {
    this.otel.setAttribute('error.type', code);
    this.otel.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }

  end(): void {
    this.otel.end();
  }
}

export function createOtelTracing(config: TracingConfig): Tracing {
  const exporting = createBoundedExport(config);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: samplerFor(config.sampler, config.ratio),
    spanProcessors: [exporting.processor],
  });
  const otel = provider.getTracer(TRACER_NAME);
  const propagator = new W3CTraceContextPropagator();

  const start = (name: string, parent: Context, options: SpanOptions, kind?: SpanKind): OtelSpan => {
    const links = options.links?.filter((l): l is OtelSpan => l instanceof OtelSpan).map((l) => ({ context: l.otel.spanContext() }));
    const span = otel.startSpan(
      name,
      {
        kind: kind ?? (options.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL),
        ...(options.attributes === undefined ? {} : { attributes: cleaned(options.attributes) }),
        ...(links === undefined || links.length === 0 ? {} : { links }),
      },
      parent,
    );
    return new OtelSpan(span);
  };

  const tracer: Tracer = {
    start(name, parent, options = {}) {
      if (parent === undefined || (parent !== null && !parent.sampled)) return undefined;
      return start(name, parent === null ? ROOT_CONTEXT : (parent as OtelSpan).context, options);
    },
    inject(ref, headers) {
      if (ref instanceof OtelSpan) propagator.inject(ref.context, headers, defaultTextMapSetter);
    },
  };

  return {
    tracer,
    startRequest(headers): RequestTrace {
      let parent: Context;
      try {
        // A malformed traceparent yields no span context: the request starts a new trace.
        const carrier = { traceparent: headers.get('traceparent') ?? undefined, tracestate: headers.get('tracestate') ?? undefined };
        parent = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      } catch {
        parent = ROOT_CONTEXT;
      }
      const span = start('GraphQL Operation', parent, {}, SpanKind.SERVER);
      const { traceId, spanId } = span.otel.spanContext();
      return { span, traceId, spanId, rename: (name) => span.otel.updateName(name) };
    },
    droppedSpans: exporting.dropped,
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
    },
  };
}

/** OpenTelemetry refuses undefined values with a diagnostic per call: they are left out instead. */
function cleaned(attributes: TraceAttributes): Attributes {
  const out: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value as Attributes[string];
  }
  return out;
}
