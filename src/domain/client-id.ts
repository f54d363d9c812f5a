import { GatewayError } from '../kernel/errors.js';

/** A C1 client id split into the parts the gateway needs. */
export interface ParsedClientId {
  /** The client id exactly as given; it is the assertion's `iss` and `sub`. */
  clientId: string;
  /** The tenant's API host (lower-cased, may carry a `:port`). */
  host: string;
}

/** Where the gateway talks to C1, derived once from the configuration. */
export interface C1Upstream {
  /** The API base URL: `C1_API_URL`, else `https://<host of C1_CLIENT_ID>`. */
  apiBaseUrl: string;
  /** Its origin: the only one the bearer may travel to. */
  origin: string;
  /** `/auth/v1/token` on that origin. */
  tokenUrl: string;
  /** The client assertion's audience: the API hostname, without port or IPv6 brackets. */
  audience: string;
}

// Deliberately narrow: the host ends up in a URL, so anything that could change the URL's
// meaning (userinfo, path, query, fragment, whitespace) must be refused, not passed on.
const HOST_PATTERN = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/;

/**
 * Parses a client id of the form `<name>@<host>/<use-case>`, e.g.
 * `strange-hydra-68836@acme.conductor.one/pcc`. The host is the text between the first `@` and
 * the next `/`, lower-cased. Throws GatewayError('CONFIG_INVALID') naming what is wrong.
 */
export function parseClientId(clientId: string): ParsedClientId {
  const fail = (what: string): never => {
    throw new GatewayError('CONFIG_INVALID', `C1_CLIENT_ID: ${what} (expected '<name>@<host>/<use-case>')`);
  };
  if (clientId.length === 0) fail('is empty');
  const at = clientId.indexOf('@');
  if (at === -1) fail("has no '@'");
  if (at === 0) fail("has nothing before the '@'");
  const slash = clientId.indexOf('/', at + 1);
  if (slash === -1) fail("has no '/' after the host");
  const host = clientId.slice(at + 1, slash).toLowerCase();
  if (host.length === 0) fail("has an empty host between '@' and '/'");
  if (!HOST_PATTERN.test(host)) fail(`has an invalid host '${host}'`);
  return { clientId, host };
}

/**
 * Everything the gateway needs to reach C1, from one base URL: an explicit `C1_API_URL`, or
 * `https://` plus a host from {@link parseClientId}. The token endpoint sits on the API's origin,
 * and C1 expects the assertion's audience to be the bare hostname.
 */
export function c1UpstreamOf(apiUrl: string | { host: string }): C1Upstream {
  const apiBaseUrl = typeof apiUrl === 'string' ? apiUrl : `https://${apiUrl.host}`;
  const url = new URL(apiBaseUrl);
  return {
    apiBaseUrl,
    origin: url.origin,
    tokenUrl: new URL('/auth/v1/token', url).toString(),
    audience: url.hostname.replace(/^\[|\]$/g, ''),
  };
}
