import type { PersonalClient } from '../domain/personal-client.js';
import { createC1Send, type C1RequestOptions, type UpstreamCall } from './c1-request.js';
import { decodeGetResponse, decodePageResponse, type PersonalClientPage } from './decode.js';

export type { UpstreamCall } from './c1-request.js';
export type { AttemptPolicy } from '../resilience/attempt-policy.js';
export type { PersonalClientPage } from './decode.js';

export type PersonalClientsApiOptions = C1RequestOptions;

/** One page of List: C1's `nextPageToken` from the previous page, '' for the first. */
export interface PageRequest {
  /** Clamped to C1's bounds (see `c1PageSize`) before it is sent. */
  pageSize: number;
  pageToken: string;
}

/** One page of Search: the filter must be the same on every page of one listing. */
export interface SearchRequest extends PageRequest {
  /** '' for no text filter. */
  query: string;
  /** Owners to keep; empty for every owner the token may see. */
  userIds: readonly string[];
}

export interface PersonalClientsApi {
  /** The client, or null when C1 says it does not exist (404 or `{"client": null}`). */
  get(id: string, call: UpstreamCall): Promise<PersonalClient | null>;
  /** One page of the calling principal's own clients (C1 List). */
  list(page: PageRequest, call: UpstreamCall): Promise<PersonalClientPage>;
  /** One page of clients across users, within what the token may see (C1 Search). */
  search(request: SearchRequest, call: UpstreamCall): Promise<PersonalClientPage>;
}

/** Route templates, for metric labels: never a concrete path. */
export const PERSONAL_CLIENTS_ROUTE = '/api/v1/iam/personal_clients/{id}';
export const PERSONAL_CLIENTS_LIST_ROUTE = '/api/v1/iam/personal_clients';
export const PERSONAL_CLIENTS_SEARCH_ROUTE = '/api/v1/search/iam/personal_clients';

/**
 * C1 clamps a page size to this range itself; asking only within it keeps the page length the
 * gateway expects equal to what C1 sends, which a cursor's offset into the page relies on.
 */
export const C1_PAGE_SIZE = { min: 10, max: 100 } as const;

/** The page size actually asked of C1 for `requested` items (a non-number asks for the minimum). */
export function c1PageSize(requested: number): number {
  return Math.min(C1_PAGE_SIZE.max, Math.max(C1_PAGE_SIZE.min, Math.trunc(requested) || C1_PAGE_SIZE.min));
}

export function createPersonalClientsApi(options: PersonalClientsApiOptions): PersonalClientsApi {
  const send = createC1Send(options);
  return {
    get: (id, call) =>
      send(
        {
          method: 'GET',
          path: `/api/v1/iam/personal_clients/${encodePathSegment(id)}`,
          route: PERSONAL_CLIENTS_ROUTE,
          notFound: () => null,
          decode: (body) => decodeGetResponse(body, id),
        },
        call,
      ),
    list({ pageSize, pageToken }, call) {
      const query = new URLSearchParams({ page_size: String(c1PageSize(pageSize)) });
      if (pageToken !== '') query.set('page_token', pageToken);
      const path = `${PERSONAL_CLIENTS_LIST_ROUTE}?${query.toString()}`;
      return send({ method: 'GET', path, route: PERSONAL_CLIENTS_LIST_ROUTE, decode: decodePageResponse }, call);
    },
    search({ pageSize, pageToken, query, userIds }, call) {
      const body = JSON.stringify({ pageSize: c1PageSize(pageSize), pageToken, query, users: userIds.map((id) => ({ id })) });
      const route = PERSONAL_CLIENTS_SEARCH_ROUTE;
      return send({ method: 'POST', path: route, route, body, decode: decodePageResponse }, call);
    },
  };
}

/**
 * Percent-encodes an id as exactly one path segment. encodeURIComponent leaves `.` alone, so a
 * segment of only dots (`.`, `..`) is encoded too: otherwise a proxy would resolve it as a path step.
 */
function encodePathSegment(id: string): string {
  const encoded = encodeURIComponent(id);
  return /^\.+$/.test(encoded) ? encoded.replaceAll('.', '%2E') : encoded;
}
