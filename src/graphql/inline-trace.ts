import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Clock } from '../kernel/clock.js';
import { TraceTree, type NanoClock } from './trace-tree.js';

// The schema comes from @apollo/subgraph, which is CommonJS and so builds it with graphql's
// CommonJS copy, the one Yoga executes with too. Under vitest, `import 'graphql'` here would load
// the ESM copy, whose `execute` refuses a schema "from another realm": take the CommonJS one.
const { defaultFieldResolver, execute, isIntrospectionType, isObjectType } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

/** The header a router sends to ask a subgraph for its trace, and the one value it sends. */
export const FTV1_HEADER = 'apollo-federation-include-trace';
const FTV1 = 'ftv1';

export interface InlineTraceOptions {
  /**
   * A schema of its own, built again from the same SDL: its resolvers are wrapped to time each
   * field, and only traced operations run on it. The schema Yoga serves stays as it is.
   */
  tracedSchema: GraphQLSchema;
  /** Whether this request may see a trace: traces show per-field timing (see app.ts). */
  mayTrace: (request: Request) => boolean;
  /** Wall time for the trace's start and end. */
  clock: Clock;
  /** Field timings. */
  nowNs: NanoClock;
}

/**
 * Apollo inline traces (`extensions.ftv1`) for requests that carry
 * `apollo-federation-include-trace: ftv1`, and for no others.
 *
 * Not @graphql-yoga/plugin-apollo-inline-trace: it wraps every field of the served schema,
 * trivial ones included, for every request, traced or not. With graphql-jit that turns each
 * property read into a wrapped call plus a WeakMap lookup: a 50-client answer (550 fields) took
 * 1.48 ms instead of 0.96 ms without the header (in-process, the same machine). Here an untraced
 * request costs one header read; a traced one runs on the standard executor over `tracedSchema`.
 *
 * Listed after graphql-jit, so its choice of executor for a traced request wins.
 */
export function useInlineTrace(options: InlineTraceOptions): Plugin {
  const { tracedSchema, mayTrace, clock, nowNs } = options;
  // Keyed by the operation's context: a batch has one per operation.
  const traces = new WeakMap<object, TraceTree>();
  timeFields(tracedSchema, (context) => traces.get(context));
  return {
    onExecute({ args, setExecuteFn }) {
      const context = args.contextValue as { request?: Request } | undefined;
      const request = context?.request;
      if (request === undefined || request.headers.get(FTV1_HEADER) !== FTV1 || !mayTrace(request)) return;
      traces.set(context as object, new TraceTree(nowNs, clock()));
      setExecuteFn((executionArgs) => execute({ ...executionArgs, schema: tracedSchema }));
    },
    // After execution, Yoga's error masking and the response-size bound: the trace sees what the
    // caller sees.
    onExecutionResult({ result, setResult, context }) {
      const tree = traces.get(context);
      if (tree === undefined || result === undefined || isAsyncIterable(result)) return;
      traces.delete(context);
      for (const error of result.errors ?? []) tree.addError(error);
      setResult({ ...result, extensions: { ...result.extensions, ftv1: tree.finish(clock()) } });
    },
  };
}

/** Wraps each field resolver of `schema` (in place) to time it when its operation has a trace. */
function timeFields(schema: GraphQLSchema, traceOf: (context: object) => TraceTree | undefined): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: object, info) => {
        const tree = traceOf(context);
        if (tree === undefined) return resolve(source, args, context, info);
        const done = tree.willResolve(info);
        try {
          const result: unknown = resolve(source, args, context, info);
          if (result instanceof Promise) result.then(done, done);
          else done();
          return result;
        } catch (error) {
          done();
          throw error;
        }
      };
    }
  }
}

/**
 * Who may see traces, from INLINE_TRACES: `router` means requests that carried the router secret,
 * so none when no ROUTER_SECRET is set; undefined means nobody (the plugin is then left out).
 * Traces give each field's timing to the nanosecond (a cache hit or miss per id, how long C1
 * took) and error details: the router folds them into Apollo's reports, a caller has no use for them.
 */
export function whoMayTrace(
  mode: 'router' | 'any' | 'off',
  fromRouter: ((request: Request) => boolean) | undefined,
): ((request: Request) => boolean) | undefined {
  if (mode === 'any') return () => true;
  return mode === 'router' ? fromRouter : undefined;
}
