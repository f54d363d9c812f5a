import type { Dispatcher } from 'undici';
import type { Clock } from '../kernel/clock.js';
import { GatewayError } from '../kernel/errors.js';
import { toUpstreamError } from '../resilience/network-error.js';
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
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: controller.signal,
    });
    const text = await readCapped(response.body);
    if (response.statusCode !== 200) {
      throw tokenErrorFor(response.statusCode, text, response.headers, clock());
    }
    if (text === undefined) {
      throw new GatewayError('UPSTREAM_BAD_RESPONSE', 'C1 token response is larger than 64 KiB', { status: 200 });
    }
    return parseTokenGrant(text);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    if (timedOut) {
      throw new GatewayError('UPSTREAM_TIMEOUT', `C1 token request timed out after ${timeoutMs} ms`, { retryable: true, cause: error });
    }
    if (signal.aborted) throw new GatewayError('UPSTREAM_UNAVAILABLE', 'token source was closed', { cause: error, origin: 'gateway' });
    // Reset, refused, undici's connect/headers/body timeouts: typed like the API's, retryable.
    throw toUpstreamError(error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onClose);
  }
}

/** The body as text, or undefined when it exceeds MAX_RESPONSE_BYTES. */
async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
