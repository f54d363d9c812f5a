import { c1UpstreamOf, parseClientId, type C1Upstream } from '../domain/client-id.js';
import { decodeClientSecret } from '../domain/client-secret.js';
import { isGatewayError } from '../kernel/errors.js';

/** How the gateway obtains the bearer it sends to C1. */
export type Credentials =
  | { kind: 'client-credentials'; clientId: string; clientSecret: string }
  | { kind: 'static-token'; accessToken: string }
  | { kind: 'forward' }
  | { kind: 'sandbox' };

/** The variables credentials are chosen from, already trimmed (blank means unset). */
export interface CredentialVars {
  NODE_ENV: 'development' | 'production' | 'test';
  C1_AUTH_MODE: 'service' | 'forward';
  C1_API_URL: string | undefined;
  C1_ACCESS_TOKEN: string | undefined;
  C1_CLIENT_ID: string | undefined;
  C1_CLIENT_SECRET: string | undefined;
}

/** The credential variables read leniently from raw env, for reporting when other variables are bad. */
export function credentialVars(env: Record<string, string | undefined>): CredentialVars {
  const get = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  return {
    NODE_ENV: env['NODE_ENV'] === 'production' ? 'production' : 'development',
    C1_AUTH_MODE: env['C1_AUTH_MODE'] === 'forward' ? 'forward' : 'service',
    C1_API_URL: get('C1_API_URL'),
    C1_ACCESS_TOKEN: get('C1_ACCESS_TOKEN'),
    C1_CLIENT_ID: get('C1_CLIENT_ID'),
    C1_CLIENT_SECRET: get('C1_CLIENT_SECRET'),
  };
}

/**
 * Picks the credential kind and derives, once, where C1 is (`c1`, undefined only for the sandbox,
 * whose URL is known once it listens). Formats are checked here, so a bad client id or secret is
 * reported with every other problem; messages name the variable, never the secret's value.
 */
export function pickCredentials(e: CredentialVars, problems: string[]): { credentials: Credentials; c1: C1Upstream | undefined } {
  // A C1_API_URL that is not an http(s) URL is reported by the schema; it derives nothing.
  const apiUrl = e.C1_API_URL !== undefined && isHttpUrl(e.C1_API_URL) ? e.C1_API_URL : undefined;
  const explicitUpstream = (requiredWith: string): C1Upstream | undefined => {
    if (e.C1_API_URL === undefined) problems.push(`C1_API_URL: required ${requiredWith}`);
    return apiUrl === undefined ? undefined : c1UpstreamOf(apiUrl);
  };
  if (e.C1_AUTH_MODE === 'forward') return { credentials: { kind: 'forward' }, c1: explicitUpstream('when C1_AUTH_MODE=forward') };
  if (e.C1_ACCESS_TOKEN !== undefined) {
    return { credentials: { kind: 'static-token', accessToken: e.C1_ACCESS_TOKEN }, c1: explicitUpstream('with C1_ACCESS_TOKEN') };
  }
  if (e.C1_CLIENT_ID !== undefined || e.C1_CLIENT_SECRET !== undefined) {
    if (e.C1_CLIENT_ID === undefined) problems.push('C1_CLIENT_ID: required with C1_CLIENT_SECRET');
    if (e.C1_CLIENT_SECRET === undefined) problems.push('C1_CLIENT_SECRET: required with C1_CLIENT_ID');
    const host = e.C1_CLIENT_ID === undefined ? undefined : problemOf(() => parseClientId(e.C1_CLIENT_ID ?? '').host, problems);
    if (e.C1_CLIENT_SECRET !== undefined) problemOf(() => decodeClientSecret(e.C1_CLIENT_SECRET ?? ''), problems);
    const c1 = apiUrl !== undefined ? c1UpstreamOf(apiUrl) : host === undefined ? undefined : c1UpstreamOf({ host });
    return { credentials: { kind: 'client-credentials', clientId: e.C1_CLIENT_ID ?? '', clientSecret: e.C1_CLIENT_SECRET ?? '' }, c1 };
  }
  if (e.NODE_ENV === 'production') {
    problems.push(
      'C1_CLIENT_ID and C1_CLIENT_SECRET (or C1_ACCESS_TOKEN with C1_API_URL): required in production; ' +
        'the embedded sandbox only runs outside production',
    );
  }
  return { credentials: { kind: 'sandbox' }, c1: undefined };
}

/** Whether `value` is an absolute http: or https: URL: the only kinds the bearer may be sent to. */
export function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}

/** Runs a parser; its CONFIG_INVALID message (which names the variable, never a secret) becomes a problem. */
function problemOf<T>(parse: () => T, problems: string[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isGatewayError(error) || error.code !== 'CONFIG_INVALID') throw error;
    problems.push(error.message);
    return undefined;
  }
}
