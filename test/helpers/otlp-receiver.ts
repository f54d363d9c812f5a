import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exported span, flattened from OTLP/JSON (ids as hex, attributes as plain values). */
export interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
  serviceName: unknown;
}

export interface OtlpReceiver {
  /** The base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT): exports go to `<url>/v1/traces`. */
  url: string;
  spans: ReceivedSpan[];
  /** Paths the exports were posted to. */
  paths: string[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };
interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
}
interface OtlpExport {
  resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans: { spans?: OtlpSpan[] }[] }[];
}

/** The service name a gateway exporting to a test receiver reports. */
export const TEST_SERVICE_NAME = 'gateway-under-test';

/** The env that turns a gateway's tracing on, exporting JSON to `receiver`. */
export function exportingTo(receiver: OtlpReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: TEST_SERVICE_NAME,
    ...extra,
  };
}

/** An OTLP/HTTP collector on port 0 that takes JSON exports (`http/json`) and keeps their spans. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const rs of body.resourceSpans) {
        const serviceName = attributesOf(rs.resource?.attributes)['service.name'];
        for (const ss of rs.scopeSpans) for (const s of ss.spans ?? []) spans.push(flatten(s, serviceName));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function flatten(s: OtlpSpan, serviceName: unknown): ReceivedSpan {
  return {
    name: s.name,
    kind: s.kind,
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId === '' ? undefined : s.parentSpanId,
    attributes: attributesOf(s.attributes),
    links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
    status: s.status ?? {},
    serviceName,
  };
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

function valueOf(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}
