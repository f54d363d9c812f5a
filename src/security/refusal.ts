import type { FetchAPI } from 'graphql-yoga';

/**
 * A refusal answered before any GraphQL runs (unauthenticated, overloaded, a body it will not read):
 * a JSON body with one error and its `extensions.code`, read like any GraphQL error.
 */
export function refusal(fetchAPI: FetchAPI, status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
