import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Plugin } from 'graphql-yoga';
import { systemClock, type Clock } from '../kernel/clock.js';
import { pathOf } from '../kernel/path-of.js';
import { bearerOf } from './caller-key.js';
import { refusal as refused } from './refusal.js';

/** Caller JWTs are checked against this key set, issuer and audience. */
export interface JwtVerification {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** @default 5 — accepted clock difference for `exp`/`nbf`, in seconds. */
  clockToleranceSeconds?: number;
}

export interface CallerAuthOptions {
  /** When set, every request must carry it in `routerSecretHeader` (deployments behind the router). */
  routerSecret?: string | undefined;
  /** The header `routerSecret` travels in (ROUTER_SECRET_HEADER). */
  routerSecretHeader: string;
  /** When set, every request needs `Authorization: Bearer <JWT>` that verifies against the JWKS. */
  jwt?: JwtVerification | undefined;
  /** Forward mode: the caller's C1 token is the credential, so a bearer must at least be present. */
  requireBearer?: boolean;
  /** Whether /health, /ready and /metrics need the same authentication (OPS_ENDPOINTS_REQUIRE_AUTH). */
  opsEndpointsRequireAuth: boolean;
  /** @default systemClock — "now" for JWT expiry checks. */
  clock?: Clock;
  /** Told why a caller was refused (never the presented credential). */
  onReject?: (reason: string, request: Request) => void;
  /** Told who a request proved to be, once it passed (never the presented credential). */
  onAuthenticated?: (request: Request, caller: AuthenticatedCaller) => void;
}

/** What a request that passed proved about its sender. */
export interface AuthenticatedCaller {
  /** It carried the right router secret. */
  routerSecret: boolean;
  /** `sub` of its verified JWT, when it had one. */
  jwtSubject?: string | undefined;
}

export const OPS_PATHS = ['/health', '/ready', '/metrics'];

export interface Refusal {
  reason: string;
  /** The `WWW-Authenticate` challenge, for bearer schemes. */
  challenge?: string;
}

export type Authenticator = (request: Request) => Promise<Refusal | undefined>;

/** True when any caller authentication is configured (the plugin is then worth installing). */
export function callerAuthEnabled(options: CallerAuthOptions): boolean {
  return options.routerSecret !== undefined || options.jwt !== undefined || options.requireBearer === true;
}

/** Decides whether one request may proceed. Resolves a Refusal, or undefined to let it through. */
export function createAuthenticator(options: CallerAuthOptions): Authenticator {
  const header = options.routerSecretHeader.toLowerCase();
  const secretDigest = options.routerSecret === undefined ? undefined : digest(options.routerSecret);
  const clock = options.clock ?? systemClock;
  const jwt = options.jwt;
  // jose caches the key set, refetches on an unknown `kid` (rate-limited by its cooldown) and never
  // follows redirects, so a compromised JWKS host cannot bounce us elsewhere.
  const keys = jwt === undefined ? undefined : createRemoteJWKSet(new URL(jwt.jwksUrl));
  const passed = (request: Request, jwtSubject?: string): undefined => {
    options.onAuthenticated?.(request, { routerSecret: secretDigest !== undefined, jwtSubject });
    return undefined;
  };

  return async (request) => {
    if (secretDigest !== undefined) {
      const given = request.headers.get(header);
      // Compare fixed-length digests in constant time: the secret's length and prefix stay private.
      if (given === null || !timingSafeEqual(digest(given), secretDigest)) {
        return { reason: given === null ? 'router secret missing' : 'router secret wrong' };
      }
    }
    if (jwt === undefined && options.requireBearer !== true) return passed(request);
    const token = bearerOf(request.headers.get('authorization'));
    if (token === undefined) return { reason: 'bearer token missing', challenge: 'Bearer' };
    if (jwt === undefined || keys === undefined) return passed(request); // forward mode: C1 judges the token
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds ?? 5,
        currentDate: new Date(clock()),
      });
      return passed(request, typeof payload.sub === 'string' ? payload.sub : undefined);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        reason: `bearer token rejected (${typeof code === 'string' ? code : 'unverifiable'})`,
        challenge: 'Bearer error="invalid_token"',
      };
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Refuses unauthenticated requests with 401 before anything is parsed or fetched. It must come
 * first among the plugins, so that what it guards (/ready, /metrics, GraphQL) is answered after it.
 * CORS preflights pass: browsers never attach credentials to them.
 */
export function useCallerAuth(options: CallerAuthOptions): Plugin {
  const authenticate = createAuthenticator(options);
  const opsRequireAuth = options.opsEndpointsRequireAuth;
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS') return;
      if (!opsRequireAuth && OPS_PATHS.includes(pathOf(request.url))) return;
      const refusal = await authenticate(request);
      if (refusal === undefined) return;
      options.onReject?.(refusal.reason, request);
      const challenge = refusal.challenge === undefined ? {} : { 'www-authenticate': refusal.challenge };
      endResponse(refused(fetchAPI, 401, 'UNAUTHENTICATED', 'Authentication required', challenge));
    },
  };
}
