import { z } from 'zod';

/**
 * OpenTelemetry's own variables (the SDK specification's names and defaults), read here like every
 * other variable so main.ts stays the only reader of process.env: the SDK is handed the values and
 * never looks at the environment itself.
 */

// A variable set but empty (`OTEL_X=` in an env file) means unset, as the specification says.
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);
const int = (def: number, min = 0) => blank(z.coerce.number().int().min(min).default(def));
const protocol = z.enum(['http/protobuf', 'http/json']);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be an absolute URL');

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export const tracingEnv = {
  // Only `true` (any case) disables, as the specification says: anything else leaves tracing as configured.
  OTEL_SDK_DISABLED: z.string().default('false'),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_PROTOCOL: blank(protocol.default('http/protobuf')),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: blank(protocol.optional()),
  OTEL_EXPORTER_OTLP_HEADERS: optionalString,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optionalString,
  OTEL_EXPORTER_OTLP_TIMEOUT: int(10_000, 1),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: blank(z.coerce.number().int().min(1).optional()),
  OTEL_TRACES_SAMPLER: blank(z.enum(SAMPLERS).default('parentbased_always_on')),
  OTEL_TRACES_SAMPLER_ARG: blank(z.coerce.number().min(0).max(1).optional()),
  OTEL_BSP_MAX_QUEUE_SIZE: int(2_048, 1),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: int(512, 1),
  OTEL_BSP_SCHEDULE_DELAY: int(5_000, 0),
  OTEL_BSP_EXPORT_TIMEOUT: int(30_000, 1),
};

type TracingEnv = z.infer<z.ZodObject<typeof tracingEnv>>;

/** Tracing as the adapter needs it; undefined when off (no endpoint, or OTEL_SDK_DISABLED). */
export interface TracingConfig {
  /** Where spans are POSTed: the traces endpoint as given, or the base endpoint + `/v1/traces`. */
  url: string;
  protocol: OtlpProtocol;
  /** Sent with every export (often a collector's API key): never logged. */
  headers: Readonly<Record<string, string>>;
  /** Per export request, in ms (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT). @default 10_000 */
  exportTimeoutMs: number;
  serviceName: string;
  sampler: SamplerName;
  /** Ratio of root traces kept by the *traceidratio samplers (OTEL_TRACES_SAMPLER_ARG). @default 1 */
  ratio: number;
  /** Ended spans waiting for export at most; later ones are dropped and counted (OTEL_BSP_MAX_QUEUE_SIZE). @default 2_048 */
  maxQueueSize: number;
  /** Spans per export request at most (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). @default 512 */
  maxExportBatchSize: number;
  /** Delay between two exports, in ms (OTEL_BSP_SCHEDULE_DELAY). @default 5_000 */
  scheduleDelayMs: number;
  /** Longest an export may run, retries included, in ms (OTEL_BSP_EXPORT_TIMEOUT). @default 30_000 */
  bspExportTimeoutMs: number;
}


export function tracingConfigOf(e: TracingEnv, problems: string[]): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED.trim().toLowerCase() === 'true') return undefined;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return undefined;
  const headers = parseHeaders(e.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS', problems);
  Object.assign(headers, parseHeaders(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', problems));
  return Object.freeze({
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: Object.freeze(headers),
    exportTimeoutMs: e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT,
    serviceName: e.OTEL_SERVICE_NAME ?? 'c1-gateway',
    sampler: e.OTEL_TRACES_SAMPLER,
    ratio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
    maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
    scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
    bspExportTimeoutMs: e.OTEL_BSP_EXPORT_TIMEOUT,
  });
}

/** `key=value,key2=value2`, values percent-encoded (the W3C baggage format the spec uses). */
function parseHeaders(raw: string | undefined, name: string, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw === undefined) return headers;
  raw.split(',').forEach((pair, i) => {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim().toLowerCase();
    let value: string | undefined;
    try {
      value = at > 0 ? decodeURIComponent(pair.slice(at + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    // The entry is named by position, never quoted: its value may be a key.
    if (key === '' || value === undefined || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) problems.push(`${name}: entry ${i + 1} is not key=value`);
    else headers[key] = value;
  });
  return headers;
}
