import { google, Trace } from '@apollo/usage-reporting-protobuf';
import type { GraphQLError, GraphQLResolveInfo, ResponsePath } from 'graphql';

/** A nanosecond monotonic clock: `process.hrtime.bigint` in production. */
export type NanoClock = () => bigint;

/**
 * One operation's Apollo trace (the `ftv1` protobuf a router folds into its query-plan trace):
 * a node per resolved field, keyed by response path, with start and end in ns since the trace
 * began. The shape follows Apollo Server's traceTreeBuilder, so routers read it alike.
 */
export class TraceTree {
  private readonly root = new Trace.Node();
  private readonly nodes = new Map<string, Trace.Node>([['', this.root]]);
  private readonly startNs: bigint;
  private readonly trace: Trace;

  constructor(
    private readonly nowNs: NanoClock,
    startedAtMs: number,
  ) {
    this.startNs = nowNs();
    // fieldExecutionWeight 1: every field is traced, none sampled (Apollo's meaning of the weight).
    this.trace = new Trace({ root: this.root, fieldExecutionWeight: 1, startTime: timestamp(startedAtMs) });
  }

  /** Starts the field's node; the returned function ends it. */
  willResolve(info: GraphQLResolveInfo): () => void {
    const node = this.nodeAt(info.path);
    node.type = String(info.returnType);
    node.parentType = String(info.parentType);
    node.startTime = this.elapsedNs();
    if (typeof info.path.key === 'string' && info.path.key !== info.fieldName) node.originalFieldName = info.fieldName;
    return () => {
      node.endTime = this.elapsedNs();
    };
  }

  /** Puts an error on the node of its path, or the nearest one above it, or the root. */
  addError(error: GraphQLError): void {
    let node = this.root;
    const path = error.path ?? [];
    for (let i = path.length; i > 0; i -= 1) {
      const found = this.nodes.get(path.slice(0, i).join('.'));
      if (found !== undefined) {
        node = found;
        break;
      }
    }
    node.error.push(
      new Trace.Error({
        message: error.message,
        location: (error.locations ?? []).map(({ line, column }) => new Trace.Location({ line, column })),
        json: JSON.stringify(error),
      }),
    );
  }

  /** The finished trace, protobuf-encoded in base64: what `extensions.ftv1` carries. */
  finish(endedAtMs: number): string {
    this.trace.durationNs = this.elapsedNs();
    this.trace.endTime = timestamp(endedAtMs);
    return Buffer.from(Trace.encode(this.trace).finish()).toString('base64');
  }

  private elapsedNs(): number {
    return Number(this.nowNs() - this.startNs);
  }

  private nodeAt(path: ResponsePath): Trace.Node {
    const node = new Trace.Node();
    if (typeof path.key === 'number') node.index = path.key;
    else node.responseName = path.key;
    this.nodes.set(keyOf(path), node);
    this.parentOf(path).child.push(node);
    return node;
  }

  /** List items have no resolver of their own, so their nodes are made when a child needs them. */
  private parentOf(path: ResponsePath): Trace.Node {
    if (path.prev === undefined) return this.root;
    return this.nodes.get(keyOf(path.prev)) ?? this.nodeAt(path.prev);
  }
}

function keyOf(path: ResponsePath | undefined): string {
  let key = '';
  for (let p = path; p !== undefined; p = p.prev) key = key === '' ? String(p.key) : `${p.key}.${key}`;
  return key;
}

function timestamp(ms: number): google.protobuf.Timestamp {
  const millis = ms % 1000;
  return new google.protobuf.Timestamp({ seconds: (ms - millis) / 1000, nanos: millis * 1e6 });
}
