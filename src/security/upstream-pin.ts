import type { Dispatcher } from 'undici';
import { apiBaseUrlFor, parseClientId } from '../auth/client-id.js';
import type { Config } from '../config.js';
import { GatewayError } from '../kernel/errors.js';

/**
 * The one origin the gateway's C1 bearer may travel to: `C1_API_URL`, else the host of
 * `C1_CLIENT_ID`. The same rule app.ts uses to build the API and token URLs.
 */
export function c1OriginOf(config: Config): string {
  const creds = config.credentials;
  if (config.C1_API_URL !== undefined) return new URL(config.C1_API_URL).origin;
  if (creds.kind === 'client-credentials') return new URL(apiBaseUrlFor(parseClientId(creds.clientId).host)).origin;
  throw new Error(`No C1 origin is configured for credential kind '${creds.kind}'`);
}

/**
 * Wraps the upstream dispatcher so that no request — API call or token exchange, now or added
 * later — can leave for another origin, or use an absolute-form target a proxy would reroute.
 * The Agent underneath never follows redirects; this makes "only C1 sees the bearer" a checked
 * property instead of an accident of how each call site builds its URL.
 */
export function pinToOrigin(dispatcher: Dispatcher, allowedOrigin: string): Dispatcher {
  const allowed = new URL(allowedOrigin).origin;
  return dispatcher.compose((dispatch) => (options, handler) => {
    const origin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin;
    if (origin !== allowed || !options.path.startsWith('/') || options.path.startsWith('//')) {
      // No URL in the message: it may name an internal host, and errors can reach a response.
      throw new GatewayError('UPSTREAM_UNAVAILABLE', 'Refused to send a request outside the configured C1 origin');
    }
    return dispatch(options, handler);
  });
}
