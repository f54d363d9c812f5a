import type { Dispatcher } from 'undici';
import type { Clock } from '../kernel/clock.js';
import { isGatewayError } from '../kernel/errors.js';
import { toUpstreamError } from '../resilience/network-error.js';
import { outcomeError } from '../resilience/outcome.js';
import { readCapped } from '../resilience/read-body.js';
import { signClientAssertion } from './assertion.js';
import type { SigningKey } from './client-secret.js';
import { parseTokenGrant, tokenErrorFor } from './token-response.js';
import type { TokenGrant } from './token-response.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A token response is a few hundred bytes; anything far larger is not one, so stop reading. */
const MAX_RESPONSE_BYTES = 64 * 1024; // 64 KiB

export interface TokenRequest {
  tokenUrl: URL;
  clientId: string;
  audience: string;
  key: SigningKey;
  dispatcher: Dispatcher;
  clock: Clock;
  timeoutMs: number;
  /** Aborts the request when the token source is closed. */
  signal: AbortSignal;
  /** Extra request headers: the trace context (`traceparent`), never a credential. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * One client-credentials exchange: signs a fresh assertion and POSTs it as a form.
 * Credentials go in the body only (never an Authorization header), as C1 expects.
 * Throws GatewayError; no message ever contains the assertion or the token.
 */
export async function requestToken(request: TokenRequest): Promise<TokenGrant> {
  const { tokenUrl, clientId, audience, key, dispatcher, clock, timeoutMs, signal } = request;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await signClientAssertion({ clientId, audience, key, now: clock }),
  }).toString();

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onClose = (): void => controller.abort();
  signal.addEventListener('abort', onClose, { once: true });
  try {
    const response = await dispatcher.request({
      origin: tokenUrl.origin,
      path: tokenUrl.pathname + tokenUrl.search,
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: controller.signal,
    });
    const text = (await readCapped(response, MAX_RESPONSE_BYTES))?.toString('utf8');
    if (response.statusCode !== 200) {
      throw tokenErrorFor(response.statusCode, text, response.headers, clock());
    }
    if (text === undefined) throw outcomeError('unexpected', 'C1 token response is larger than 64 KiB', { status: 200 });
    return parseTokenGrant(text);
  } catch (error) {
    if (isGatewayError(error)) throw error;
    if (timedOut) throw outcomeError('attemptTimedOut', `C1 token request timed out after ${timeoutMs} ms`, { cause: error });
    if (signal.aborted) throw outcomeError('closed', 'token source was closed', { cause: error });
    // Reset, refused, undici's connect/headers/body timeouts: typed like the API's, retryable.
    throw toUpstreamError(error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onClose);
  }
}
