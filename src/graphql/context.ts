import type { YogaInitialContext } from 'graphql-yoga';
import { createStaticTokenSource } from '../auth/static-token-source.js';
import { GatewayError } from '../kernel/errors.js';
import type { Observer } from '../kernel/observer.js';
import type { TokenSource } from '../kernel/token-source.js';
import type { TraceRef, Tracer } from '../kernel/tracer.js';
import type { DeadlineSignals } from '../resilience/deadline.js';
import { createLoaders, type Loaders } from '../loading/loaders.js';
import type { Listing, PagePosition, PersonalClientPages, Slice } from '../loading/personal-client-pages.js';
import { createUserClientsLoader, type UserClientsKey, type UserClientsLoader } from '../loading/user-clients.js';
import type { LoadContext, PersonalClientSource } from '../loading/personal-client-source.js';
import { defaultRequestId } from '../observability/request-id.js';
import { bearerOf, tokenHash } from '../security/caller-key.js';

/** What our resolvers add to Yoga's own context (request, params). */
export interface GatewayContext {
  requestId: string;
  loaders: Loaders;
  load: LoadContext;
  listings: Listings;
}

/** The request's C1 List and Search walks (see loading/personal-client-pages.ts). */
export interface Listings {
  walk(listing: Listing, first: number, after: PagePosition | undefined): Promise<Slice>;
  /** Batched across the users asked for in one tick (see loading/user-clients.ts). */
  userClients(key: UserClientsKey): Promise<Slice>;
}

export interface ContextDeps {
  source: PersonalClientSource;
  pages: PersonalClientPages;
  /** Users per combined Search at most: C1's bound on `users` (MAX_FILTER_USER_IDS). */
  maxUsersPerSearch: number;
  /** The service credential's token source; absent in forward mode. */
  serviceTokens: TokenSource | undefined;
  /** Each GraphQL request's budget for all upstream work, in ms (REQUEST_DEADLINE_MS). */
  deadlineMs: number;
  /** Where requests get their deadline signals (shared per slot of time). */
  deadlines: DeadlineSignals;
  maxBatchSize: number;
  /** Where the loaders count what they answer in process. */
  observer: Observer;
  /** Reads (or generates) the request id; the HTTP edge owns the header. */
  requestIdOf?: (request: Request) => string;
  /** The request's span (observability/tracing-plugin.ts), when tracing is on. */
  traceOf?: ((request: Request) => TraceRef | undefined) | undefined;
  tracer?: Tracer | undefined;
  /** Whose upstream budget the request spends; `forwardPartition` is its C1 token's hash in forward mode. */
  callerKeyOf: (initial: YogaInitialContext, forwardPartition: string | undefined) => string;
}

const SERVICE_PARTITION = 'svc';

/** Builds each GraphQL request's context: its id, its deadline, its partition and fresh loaders. */
export function createContextFactory(deps: ContextDeps) {
  const requestIdOf = deps.requestIdOf ?? defaultRequestId;
  return (initial: YogaInitialContext): GatewayContext => {
    const { tokens, partition } = credentialFor(initial.request, deps.serviceTokens);
    const forwardPartition = deps.serviceTokens === undefined ? partition : undefined;
    // Per-caller admission has worked it out already: a lookup.
    const caller = deps.callerKeyOf(initial, forwardPartition);
    const load = new RequestLoad(requestIdOf(initial.request), tokens, partition, caller, deps.deadlineMs, deps.deadlines);
    if (deps.traceOf !== undefined) load.trace = deps.traceOf(initial.request);
    return {
      requestId: load.requestId,
      load,
      loaders: createLoaders(deps.source, load, { maxBatchSize: deps.maxBatchSize, observer: deps.observer, ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }) }),
      listings: listingsFor(deps, load),
    };
  };
}

function listingsFor(deps: ContextDeps, load: LoadContext): Listings {
  let users: UserClientsLoader | undefined; // most requests list nothing: made on first use
  return {
    walk: (listing, first, after) => deps.pages.walk(listing, first, after, load),
    userClients: (key) => {
      users ??= createUserClientsLoader(deps.pages, load, deps.maxUsersPerSearch);
      return users.load(key);
    },
  };
}

function credentialFor(request: Request, serviceTokens: TokenSource | undefined) {
  if (serviceTokens !== undefined) return { tokens: serviceTokens, partition: SERVICE_PARTITION };
  // Forward mode: the caller's own C1 token goes upstream, and the caches are keyed by its hash.
  const token = bearerOf(request.headers.get('authorization'));
  if (token === undefined) {
    throw new GatewayError('UNAUTHENTICATED', 'A C1 bearer token is required (Authorization: Bearer …)');
  }
  return { tokens: createStaticTokenSource(token), partition: tokenHash(token) };
}

/**
 * One request's upstream context. Its deadline signal is made lazily: cached answers never need it.
 * It holds the caller's key itself, not a way to work it out: it travels with every C1 call, and a
 * closure over Yoga's initial context here made each cold read's whole request outlive two
 * young-generation collections (4.9 against 1.2 KB promoted per read, bench/README.md).
 */
class RequestLoad implements LoadContext {
  readonly stats = { upstreamCalls: 0, cacheHits: 0, staleServed: 0, freshMs: Number.POSITIVE_INFINITY };
  readonly #startedAt = performance.now();
  #signal: AbortSignal | undefined;
  /** The request's span, carried beside its id down to the C1 calls (no AsyncLocalStorage). */
  trace: TraceRef | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly tokens: TokenSource,
    readonly partition: string,
    readonly caller: string,
    readonly deadlineMs: number,
    private readonly deadlines: DeadlineSignals,
  ) {}

  get signal(): AbortSignal {
    this.#signal ??= this.deadlines.signalAt(this.#startedAt + this.deadlineMs);
    return this.#signal;
  }

  /** Milliseconds until the deadline (negative once it passed); retries wait only inside it. */
  remainingMs(): number {
    return this.deadlineMs - (performance.now() - this.#startedAt);
  }
}
