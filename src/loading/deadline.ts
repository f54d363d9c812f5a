import { abortable } from '../abortable.js';
import { GatewayError } from '../errors.js';

/**
 * Rejects with UPSTREAM_TIMEOUT as soon as `signal` aborts, even if `promise` is still pending
 * (for example a shared in-flight fetch started by another request with a later deadline).
 */
export function raceDeadline<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return abortable(promise, signal, deadlineError);
}

export function deadlineError(): GatewayError {
  return new GatewayError('UPSTREAM_TIMEOUT', 'The request deadline passed while waiting for C1');
}
