import type { Dispatcher } from 'undici';
import { systemClock } from '../kernel/clock.js';
import type { Clock } from '../kernel/clock.js';
import { GatewayError, isGatewayError } from '../kernel/errors.js';
import { outcomeError } from '../resilience/outcome.js';
import { runOnce, type AttemptPolicy } from '../resilience/attempt-policy.js';
import { parseClientSecret } from './client-secret.js';
import type { SigningKey } from './client-secret.js';
import { abortable } from '../kernel/abortable.js';
import { requestToken } from './token-request.js';
import { closedError } from './static-token-source.js';
import type { TokenSource } from '../kernel/token-source.js';
import { endWith, noopTracer, type TraceRef, type Tracer } from '../kernel/tracer.js';
import type { TokenGrant } from './token-response.js';

export interface ClientCredentialsOptions {
  /** The C1 client id, e.g. `name@tenant.conductor.one/pcc`. */
  clientId: string;
  /** The raw `secret-token:conductorone.com:v1:…` string, its format checked at config load. */
  clientSecret: string;
  /** Absolute token URL, e.g. `https://tenant.conductor.one/auth/v1/token`. */
  tokenUrl: string;
  /** The assertion audience: the API host without port. */
  audience: string;
  /** HTTP dispatcher for the token request (an undici Agent). */
  dispatcher: Dispatcher;
  /** @default systemClock */
  clock?: Clock;
  /** Treat a token as expired this much before its `expires_in` says, in ms (TOKEN_EXPIRY_MARGIN_MS). */
  expiryMarginMs: number;
  /** Lifetime assumed when `expires_in` is 0 or missing, so such a token is not refetched on every call. @default 60_000 (60 s) */
  defaultLifetimeMs?: number;
  /** Fraction of the lifetime after which a call triggers one background refresh. @default 0.8 */
  refreshAheadRatio?: number;
  /** After a failed token request, callers within this window get that failure without a new request. @default 1_000 (1 s) */
  failureBackoffMs?: number;
  /** Budget for one token fetch, headers and body, retries included, in ms (REQUEST_DEADLINE_MS). */
  requestTimeoutMs: number;
  /**
   * Runs each token POST (retries, circuit breaker). Repeating it is safe: every attempt signs a
   * fresh assertion. @default one attempt
   */
  policy?: AttemptPolicy;
  /** One span per token fetch, linked from each request that waited on it. @default noopTracer */
  tracer?: Tracer;
  /** Metrics hook, called once per token request. Exceptions it throws are ignored. */
  onTokenFetch?: (outcome: 'success' | 'failure', expiresAtMs?: number) => void;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  usableUntil: number;
  refreshAt: number;
}

/**
 * OAuth2 client credentials with a signed JWT assertion, cached until shortly before expiry.
 * Refresh is call-driven (no timers): a call late in the token's life triggers one background refresh.
 * The key is imported on first use. Throws GatewayError('CONFIG_INVALID') at once for a malformed token URL.
 */
export function createClientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  const {
    clientId, clientSecret, audience, dispatcher, onTokenFetch, expiryMarginMs, requestTimeoutMs,
    clock = systemClock,
    defaultLifetimeMs = 60_000, // 60 s
    refreshAheadRatio = 0.8,
    failureBackoffMs = 1_000, // 1 s
    policy = runOnce,
    tracer = noopTracer,
  } = options;
  const tokenUrl = parseTokenUrl(options.tokenUrl);
  const closer = new AbortController();
  let key: Promise<SigningKey> | undefined;
  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  let inflightSpan: TraceRef | undefined; // the in-flight fetch's span, which joining callers link to
  let failure: { error: GatewayError; until: number } | undefined;

  const report = (outcome: 'success' | 'failure', expiresAt?: number): void => {
    try {
      if (expiresAt === undefined) onTokenFetch?.(outcome);
      else onTokenFetch?.(outcome, expiresAt);
    } catch {
      // A broken metrics hook must not break authentication.
    }
  };

  const toCached = (grant: TokenGrant, startedAt: number): CachedToken => {
    const lifetime = grant.expiresInMs ?? defaultLifetimeMs;
    // A token living no longer than the margin would never be usable; keep half its life instead.
    const margin = lifetime > expiryMarginMs ? expiryMarginMs : lifetime / 2;
    // Measured from when we asked, not when C1 answered: the token's clock started no later.
    const expiresAt = startedAt + lifetime;
    return { token: grant.accessToken, expiresAt, usableUntil: expiresAt - margin, refreshAt: startedAt + lifetime * refreshAheadRatio };
  };

  // A child of the request that started it: the token POST continues that request's trace.
  const fetchToken = (trace: TraceRef | undefined): Promise<CachedToken> => {
    const startedAt = clock();
    const span = tracer.start('c1.token.fetch', trace, { kind: 'internal' });
    const headers: Record<string, string> = {};
    tracer.inject(span?.ref ?? trace, headers);
    const run = async (): Promise<CachedToken> => {
      try {
        key ??= parseClientSecret(clientSecret);
        const signingKey = await key;
        const deadline = startedAt + requestTimeoutMs;
        const remainingMs = (): number => deadline - clock();
        const grant = await policy(
          () => requestToken({ tokenUrl, clientId, audience, key: signingKey, dispatcher, clock, timeoutMs: Math.max(1, remainingMs()), signal: closer.signal, headers }),
          closer.signal,
          { remainingMs },
        );
        const entry = toCached(grant, startedAt);
        if (!closer.signal.aborted) cached = entry;
        failure = undefined;
        report('success', entry.expiresAt);
        span?.end();
        return entry;
      } catch (error) {
        // Not typed: a fault of ours (signing, key import) that a repeat would meet again.
        const gatewayError = isGatewayError(error) ? error : outcomeError('serverFailed', 'C1 token request failed', { cause: error });
        failure = { error: gatewayError, until: clock() + failureBackoffMs };
        report('failure');
        endWith(span, gatewayError);
        throw gatewayError;
      } finally {
        inflight = undefined;
        inflightSpan = undefined;
      }
    };
    inflight = run();
    inflightSpan = span?.ref;
    return inflight;
  };

  /** A request joining the fetch another started: its wait is a span of its own trace, linked to the fetch. */
  const join = async (pending: Promise<CachedToken>, signal: AbortSignal | undefined, trace: TraceRef | undefined) => {
    const span = tracer.start('c1.token.wait', trace, inflightSpan === undefined ? {} : { links: [inflightSpan] });
    try {
      const entry = await abortable(pending, signal);
      span?.end();
      return entry.token;
    } catch (error) {
      endWith(span, error);
      throw error;
    }
  };

  return {
    async getToken(signal, trace) {
      if (closer.signal.aborted) throw closedError();
      const now = clock();
      if (cached !== undefined && now < cached.usableUntil) {
        const backingOff = failure !== undefined && now < failure.until;
        if (now >= cached.refreshAt && inflight === undefined && !backingOff) {
          // Errors are counted by onTokenFetch; the cached token keeps serving until unusable.
          fetchToken(trace).catch(() => {});
        }
        return cached.token;
      }
      if (inflight !== undefined) return join(inflight, signal, trace);
      if (failure !== undefined && now < failure.until) throw failure.error;
      return (await abortable(fetchToken(trace), signal)).token;
    },
    invalidate(token) {
      // Compare, so a late 401 for an already replaced token does not drop its successor.
      if (cached?.token === token) cached = undefined;
    },
    hasValidToken: () => !closer.signal.aborted && cached !== undefined && clock() < cached.usableUntil,
    close() {
      cached = undefined;
      closer.abort();
    },
  };
}

function parseTokenUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatewayError('CONFIG_INVALID', `token URL is not an absolute URL: '${value}'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GatewayError('CONFIG_INVALID', `token URL must be http(s): '${value}'`);
  }
  return url;
}
