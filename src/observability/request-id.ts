import type { Plugin } from 'graphql-yoga';
import { defaultRequestId } from '../graphql/context.js';
import { currentRequestScope, runInRequestScope } from './request-scope.js';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestIds {
  /** Yoga plugin: assigns each HTTP request its id, scopes its logs, and echoes the id back. */
  plugin: Plugin;
  /** The id assigned to `request` (for the GraphQL context, so upstream calls forward the same id). */
  idOf(request: Request): string;
}

/**
 * One id per HTTP request: the caller's `x-request-id` when it is acceptable, else a fresh UUID.
 * The whole request (parsing, execution, upstream calls, the response) runs inside a request scope,
 * so every log line written meanwhile carries the id without anyone passing it along.
 */
export function createRequestIds(): RequestIds {
  const ids = new WeakMap<Request, string>();
  const idOf = (request: Request): string => {
    let id = ids.get(request);
    if (id === undefined) {
      // A plugin may have replaced the Request object; the scope still knows this request's id.
      id = currentRequestScope()?.requestId ?? defaultRequestId(request);
      ids.set(request, id);
    }
    return id;
  };
  return {
    idOf,
    plugin: {
      instrumentation: {
        request: ({ request }, wrapped) => runInRequestScope({ requestId: idOf(request) }, wrapped),
      },
      onResponse: ({ request, response }) => {
        response.headers.set(REQUEST_ID_HEADER, idOf(request));
      },
    },
  };
}
