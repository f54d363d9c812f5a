import { TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { TracingConfig } from '../config.js';

export interface BoundedExport {
  processor: SpanProcessor;
  dropped(): { queueFull: number; exportFailed: number };
}

/**
 * The batch processor behind a gate that counts what it drops. BatchSpanProcessor already bounds
 * its queue, but only logs a drop; the gate holds the same bound itself (a span is queued from its
 * end until the exporter takes it), so every drop is counted, and the processor never meets its own
 * limit. Exports run off the request path: an unreachable collector costs requests nothing, and
 * what it fails to take is counted as `exportFailed`.
 */
export function createBoundedExport(config: TracingConfig): BoundedExport {
  const exporter = createExporter(config);
  let queued = 0;
  const dropped = { queueFull: 0, exportFailed: 0 };
  const counting: SpanExporter = {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      queued = Math.max(0, queued - spans.length);
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) dropped.exportFailed += spans.length;
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  const batch = new BatchSpanProcessor(counting, {
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduleDelayMs,
    exportTimeoutMillis: config.bspExportTimeoutMs,
  });
  const processor: SpanProcessor = {
    onStart: (span: Span, parent: Context) => batch.onStart(span, parent),
    onEnd(span: ReadableSpan) {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (queued >= config.maxQueueSize) {
        dropped.queueFull += 1;
        return;
      }
      queued += 1;
      batch.onEnd(span);
    },
    forceFlush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown(),
  };
  return { processor, dropped: () => ({ ...dropped }) };
}

/** OTLP over HTTP, protobuf or JSON as configured; both packages load only with tracing on. */
function createExporter(config: TracingConfig): SpanExporter {
  const options = { url: config.url, headers: { ...config.headers }, timeoutMillis: config.exportTimeoutMs };
  return config.protocol === 'http/json' ? new JsonExporter(options) : new ProtoExporter(options);
}
