import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving one HTTP request carries. */
export interface RequestScope {
  requestId: string;
}

// One store for the process: scopes are per async context, so several apps in one process
// (tests) never see each other's ids.
const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the request being served in this async context, if any. */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it schedules) inside `scope`. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}
