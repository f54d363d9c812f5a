import type { Dispatcher } from 'undici';
import type { TokenSource } from '../kernel/token-source.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import { isGatewayError } from '../kernel/errors.js';
import type { PersonalClient } from '../domain/personal-client.js';
import { runOnce, type AttemptPolicy } from '../resilience/attempt-policy.js';
import { decodeGetResponse } from './decode.js';
import { toUpstreamError } from '../resilience/network-error.js';
import { headerValue, readJsonBody } from '../resilience/read-body.js';
import { errorForStatus } from '../resilience/status.js';

/** What one upstream call needs from the GraphQL request that caused it. */
export interface UpstreamCall {
  tokens: TokenSource;
  /** Aborts when the GraphQL request's deadline passes. */
  signal?: AbortSignal;
  requestId?: string;
  /** Milliseconds left before that deadline, so a retry never waits past it. */
  remainingMs?: () => number;
}

export type { AttemptPolicy } from '../resilience/attempt-policy.js';

export interface PersonalClientsApiOptions {
  /** Origin (and optional path prefix) of the C1 API, e.g. `https://acme.conductor.one`. */
  baseUrl: string;
  dispatcher: Dispatcher;
  /** Largest response body, in bytes; larger ones are refused as UPSTREAM_BAD_RESPONSE (UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  policy?: AttemptPolicy;
  clock?: Clock;
  /** Called once per HTTP attempt with its status (0 for network failures) and duration. */
  onAttempt?: (status: number, durationMs: number) => void;
}

export interface PersonalClientsApi {
  /** The client, or null when C1 says it does not exist (404 or `{"client": null}`). */
  get(id: string, call: UpstreamCall): Promise<PersonalClient | null>;
}

export const PERSONAL_CLIENTS_ROUTE = '/api/v1/iam/personal_clients/{id}';

export function createPersonalClientsApi(options: PersonalClientsApiOptions): PersonalClientsApi {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes;
  const clock = options.clock ?? systemClock;
  const policy: AttemptPolicy = options.policy ?? runOnce;

  async function attemptOnce(id: string, token: string, call: UpstreamCall): Promise<PersonalClient | null> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': 'c1-gateway',
    };
    if (call.requestId !== undefined) headers['x-request-id'] = call.requestId;
    const started = clock();
    let status = 0;
    try {
      const response = await options.dispatcher.request({
        origin,
        path: `${prefix}/api/v1/iam/personal_clients/${encodePathSegment(id)}`,
        method: 'GET',
        headers,
        signal: call.signal ?? null,
      });
      status = response.statusCode;
      if (status === 404) {
        await response.body.dump();
        return null;
      }
      if (status !== 200) {
        await response.body.dump();
        throw errorForStatus(status, headerValue(response.headers['retry-after']), clock());
      }
      return decodeGetResponse(await readJsonBody(response, maxBodyBytes), id);
    } catch (error) {
      throw toUpstreamError(error, call.signal);
    } finally {
      options.onAttempt?.(status, clock() - started);
    }
  }

  return {
    async get(id, call) {
      const token = await tokenFor(call);
      try {
        return await policy(() => attemptOnce(id, token, call), call.signal, call);
      } catch (error) {
        if (!isGatewayError(error) || error.status !== 401) throw error;
        // The token may have been revoked or expired early: one fresh token, one more try.
        call.tokens.invalidate(token);
        const fresh = await tokenFor(call);
        return policy(() => attemptOnce(id, fresh, call), call.signal, call);
      }
    },
  };
}

/** A waiter whose deadline passes gets a typed UPSTREAM_TIMEOUT, not the signal's bare DOMException. */
function tokenFor(call: UpstreamCall): Promise<string> {
  return call.tokens.getToken(call.signal).catch((error: unknown) => {
    throw toUpstreamError(error, call.signal);
  });
}

/**
 * Percent-encodes an id as exactly one path segment. encodeURIComponent leaves `.` alone, so a
 * segment of only dots (`.`, `..`) is encoded too: otherwise a proxy would resolve it as a path step.
 */
function encodePathSegment(id: string): string {
  const encoded = encodeURIComponent(id);
  return /^\.+$/.test(encoded) ? encoded.replaceAll('.', '%2E') : encoded;
}
