import { Counter, type Registry } from 'prom-client';
import type { Tracing } from './tracing.js';

/**
 * Spans that never reached the collector, read from the exporter's own counts at each scrape:
 * `queue_full` when spans ended faster than they could be exported (OTEL_BSP_MAX_QUEUE_SIZE),
 * `export_failed` when the collector refused them or could not be reached.
 */
export function registerDroppedSpans(registry: Registry, tracing: Tracing): void {
  new Counter({
    name: 'c1_gateway_trace_spans_dropped_total',
    help: 'Trace spans not exported, by reason (queue_full, export_failed).',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      const { queueFull, exportFailed } = tracing.droppedSpans();
      this.reset();
      this.inc({ reason: 'queue_full' }, queueFull);
      this.inc({ reason: 'export_failed' }, exportFailed);
    },
  });
}
