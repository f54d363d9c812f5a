/**
 * Lets one caller stop waiting on a promise that others may share (a single-flight fetch or token
 * request) without cancelling it: rejects as soon as `signal` aborts, with `reasonFor(signal)` —
 * by default the signal's reason, like fetch does.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  reasonFor: (signal: AbortSignal) => unknown = (s) => s.reason,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {}); // others may still await it; this caller must not leave it unhandled
    return Promise.reject(reasonFor(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonFor(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
