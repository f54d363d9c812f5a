/**
 * Dispatches each request to its route, counts it per route and logs it. Routing works on the
 * raw request target, never a normalised one, so encoding mistakes by the client stay visible.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { handleHealth, handlePersonalClientGet, HEALTH_PATH, personalClientSegment } from './api.js';
import type { ApiContext } from './api.js';
import { sendJson } from './http.js';
import { handleList, handleSearch, LIST_PATH, SEARCH_PATH } from './pages.js';
import { recordApiStatus } from './stats.js';
import type { RequestLog, SandboxStats } from './stats.js';
import { handleTokenRequest, TOKEN_PATH } from './token-endpoint.js';
import type { TokenEndpointContext } from './token-endpoint.js';

export interface RouterDeps {
  readonly token: TokenEndpointContext;
  readonly api: ApiContext;
  readonly stats: SandboxStats;
  readonly log: RequestLog;
}

function pageRoute(method: string | undefined, pathname: string) {
  if (method === 'GET' && pathname === LIST_PATH) return handleList;
  if (method === 'POST' && pathname === SEARCH_PATH) return handleSearch;
  return undefined;
}

/** Resolves the decoded id of a personal-client GET, for the log. */
async function route(req: IncomingMessage, res: ServerResponse, deps: RouterDeps): Promise<string | undefined> {
  const { stats } = deps;
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'POST' && pathname === TOKEN_PATH) {
    stats.tokenRequests++;
    await handleTokenRequest(req, res, deps.token);
    if (res.statusCode === 200) stats.tokenSuccesses++;
    else stats.tokenFailures++;
    return undefined;
  }
  const segment = req.method === 'GET' ? personalClientSegment(pathname) : undefined;
  if (segment !== undefined) {
    stats.apiGets++;
    stats.maxInFlightGets = Math.max(stats.maxInFlightGets, ++stats.inFlightGets);
    try {
      return await handlePersonalClientGet(req, res, segment, deps.api);
    } finally {
      stats.inFlightGets--;
      if (res.headersSent) recordApiStatus(stats, res.statusCode); // not when cut off by close()
    }
  }
  const page = pageRoute(req.method, pathname);
  if (page !== undefined) {
    stats.apiPages++;
    await page(req, res, deps.api);
    return undefined;
  }
  stats.otherRequests++;
  if (req.method === 'GET' && pathname === HEALTH_PATH) handleHealth(res);
  else sendJson(res, 404, { code: 5, message: 'route not found', details: [] });
  return undefined;
}

export function createRouter(deps: RouterDeps): RequestListener {
  return (req, res) => {
    route(req, res, deps).then(
      (id) =>
        deps.log.add({
          method: req.method ?? '',
          rawPath: req.url ?? '',
          ...(id === undefined ? {} : { id }),
          status: res.statusCode,
          headers: { ...req.headers },
        }),
      (err: unknown) => {
        if (deps.api.closing.aborted) return; // the socket went away with the sandbox
        if (!res.headersSent) sendJson(res, 500, { code: 13, message: 'internal error', details: [] });
        console.error('sandbox: unexpected error', err);
      },
    );
  };
}
