import { GatewayError } from '../errors.js';

/**
 * Rejects with UPSTREAM_TIMEOUT as soon as `signal` aborts, even if `promise` is still pending
 * (for example a shared in-flight fetch started by another request with a later deadline).
 */
export function raceDeadline<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(deadlineError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deadlineError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export function deadlineError(): GatewayError {
  return new GatewayError('UPSTREAM_TIMEOUT', 'The request deadline passed while waiting for C1');
}
