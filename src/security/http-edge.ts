import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createGraphQLError, type CORSOptions, type FetchAPI, type Plugin, type YogaServerOptions } from 'graphql-yoga';
import { pathOf } from '../kernel/path-of.js';
import { refusal } from './refusal.js';

/** Headers a browser frontend may send cross-origin. The router secret is deliberately absent. */
const CORS_ALLOWED_HEADERS = ['content-type', 'accept', 'authorization', 'x-request-id', 'x-graphql-yoga-csrf', 'apollo-require-preflight'];
const CORS_MAX_AGE_S = 10 * 60; // 10 min of cached preflights
/** Any of these on a "simple" (non-preflighted) request proves it was not a cross-site form post. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

export interface HttpEdgeOptions {
  /** Origins (`https://app.example.com`) allowed to call from a browser; `*` allows any. Empty: none. */
  corsOrigins: readonly string[];
  /** Largest request body, in bytes (MAX_REQUEST_BYTES); larger ones get 413 before parsing. */
  maxRequestBytes: number;
  /** Operations per batched request (BATCHING_LIMIT); 0 turns batching off. */
  batchingLimit: number;
  /** Whether introspection queries are answered (GraphiQL and codegen need them; attackers like them). */
  introspection: boolean;
}

type EdgeYogaOptions = Pick<YogaServerOptions<object, object>, 'cors' | 'batching' | 'maxRequestBodySize'>;

/** The Yoga options of the HTTP edge: CORS, batching and body size. */
export function httpEdgeYogaOptions(options: HttpEdgeOptions): EdgeYogaOptions {
  return {
    cors: corsFor(options.corsOrigins),
    batching: options.batchingLimit > 0 ? { limit: options.batchingLimit } : false,
    // Enforced by useRequestBodyLimit (see body-limit.ts), which skips Yoga's per-request stream.
    maxRequestBodySize: false,
  };
}

/**
 * Yoga's own CORS answers a one-origin list with that origin whatever the caller, and an unlisted
 * caller with `null`: headers an unlisted origin should not get at all. So the options are
 * decided per request: a listed origin gets exactly itself back, anyone else gets no CORS headers.
 */
function corsFor(configured: readonly string[]): EdgeYogaOptions['cors'] {
  if (configured.length === 0) return false;
  const anyOrigin = configured.includes('*');
  const allowed = new Set(configured.map(normalizeOrigin));
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !(anyOrigin || allowed.has(origin))) return false;
    return {
      origin: [origin],
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: ['x-request-id'],
      // Callers authenticate with headers, never cookies: no credentialed cross-origin requests.
      credentials: false,
      maxAge: CORS_MAX_AGE_S,
    };
  };
}

/** `https://App.example/` and `https://app.example` are the same origin; browsers send the latter. */
export function normalizeOrigin(value: string): string {
  if (value === '*') return value;
  try {
    return new URL(value).origin;
  } catch {
    return value;
  }
}

/** The HTTP-edge plugins: CSRF prevention, typed refusals of what cannot be parsed, introspection switch, `Vary: Origin` for CORS. */
export function httpEdgePlugins(options: HttpEdgeOptions): Plugin[] {
  const plugins: Plugin[] = [withCsrfCode(useCSRFPrevention({ requestHeaders: CSRF_HEADERS })), useTypedParseRefusals()];
  if (!options.introspection) plugins.push(useDisableIntrospection() as Plugin);
  if (options.corsOrigins.length > 0) {
    plugins.push({
      // The CORS answer depends on the Origin header, so shared caches must key on it.
      onResponse({ response }) {
        const vary = response.headers.get('vary');
        if (vary === null || !/\borigin\b/i.test(vary)) response.headers.append('vary', 'Origin');
      },
    });
  }
  return plugins;
}

/**
 * Typed refusals where Yoga's request parsing has none:
 * - a POST whose Content-Type no parser reads (`text/plain`, `application/xml`, none at all) got an
 *   empty 415: now the same status with `UNSUPPORTED_MEDIA_TYPE`, as a compressed body gets
 *   (compression.ts), so a client learns what to send instead;
 * - the `variables` and `extensions` of a GET (or of a form-encoded POST) are parsed with a bare
 *   JSON.parse: `?variables={bad` reached the error mask as an unexpected error. It is the caller's
 *   mistake, answered as Yoga answers a POST body that is not JSON: 400 `BAD_REQUEST`. A JSON POST
 *   (every hot request) keeps its parser as it is.
 */
export function useTypedParseRefusals(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse, fetchAPI }) {
      if (requestParser === undefined) {
        if (request.method === 'POST') endResponse(unsupportedMediaType(fetchAPI));
        return;
      }
      if (request.method !== 'GET' && !request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        try {
          return await parse(req);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw createGraphQLError('The "variables" or "extensions" parameter is not valid JSON.', {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
      });
    },
  };
}

function unsupportedMediaType(fetchAPI: FetchAPI): Response {
  const message = 'Unsupported Content-Type; send application/json (or application/graphql, multipart/form-data, application/x-www-form-urlencoded)';
  return refusal(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', message);
}

/**
 * Only these exact paths are served; any other gets 404 before any other plugin sees it. Yoga
 * itself runs GraphQL for any URL that ends in its endpoint (`/graphql/`, `//graphql`,
 * `/x/graphql`, `/x?/graphql`), and the plugins that key on the exact path (per-caller admission,
 * the request log and metrics, tracing, Cache-Control) would not have seen those requests: one
 * spelling of each route, so none is a way around them.
 */
export function useExactRoutes(paths: readonly string[]): Plugin {
  const served = new Set(paths);
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (!served.has(pathOf(request.url))) endResponse(new fetchAPI.Response(null, { status: 404 }));
    },
  };
}

/** `extensions.reason` of the CSRF refusal, whose code is BAD_REQUEST (as Apollo Server's CSRF prevention answers). */
export const CSRF_REASON = 'CSRF_HEADER_REQUIRED';

/**
 * Yoga's CSRF prevention refuses with 403 and an error without a code. The same refusal, with
 * `BAD_REQUEST` and a reason, so a client can tell it apart without matching the message.
 */
function withCsrfCode(csrf: Plugin): Plugin {
  const check = csrf.onRequestParse;
  if (check === undefined) return csrf;
  return {
    onRequestParse(payload) {
      try {
        return check(payload);
      } catch (error) {
        if (!(error instanceof Error) || !('extensions' in error)) throw error;
        const extensions = error.extensions as Record<string, unknown>;
        throw createGraphQLError(error.message, { extensions: { ...extensions, code: 'BAD_REQUEST', reason: CSRF_REASON } });
      }
    },
  };
}
