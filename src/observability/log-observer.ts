import type { Clock } from '../kernel/clock.js';
import { LogThrottle } from '../kernel/log-throttle.js';
import type { Logger } from '../kernel/logger.js';
import { noopObserver, type Observer } from '../kernel/observer.js';

/**
 * The data path's events that deserve a log line of their own: upstream failures (one per failed
 * fetch), token failures, breaker transitions and connections the gateway closes (a flood of them is one
 * line per 10 s, which says how many it stands for). Counts of everything else are metrics, not logs.
 * A line about one request carries the id its event brings (`detail.requestId`), passed along
 * explicitly; lines about shared work (the token, the breaker) have none.
 */
export function createLogObserver(logger: Logger, clock: Clock): Observer {
  const breakerStates = new Map<string, string>();
  const shedLines = new LogThrottle({ linesPerInterval: 1, clock });
  return {
    ...noopObserver,
    upstreamFailure(code, detail) {
      logger.warn(
        {
          ...(detail.requestId === undefined ? {} : { requestId: detail.requestId }),
          code,
          ...(detail.id === undefined ? {} : { personalClientId: detail.id.slice(0, 256) }),
          // Joins the line to the trace of the work that failed, when tracing is on.
          ...detail.trace?.logIds,
        },
        'upstream failure',
      );
    },
    tokenFetch(outcome, expiresAtMs) {
      if (outcome === 'failure') logger.warn('C1 token request failed; retrying after backoff');
      else logger.debug({ expiresAt: expiresAtMs === undefined ? null : new Date(expiresAtMs).toISOString() }, 'C1 token fetched');
    },
    breakerState(upstream, state, origin) {
      // Report transitions, however often the breaker reports its state.
      if (breakerStates.get(origin) === state) return;
      const first = !breakerStates.has(origin);
      breakerStates.set(origin, state);
      if (first && state === 'closed') return;
      (state === 'closed' ? logger.info : logger.warn).call(logger, { upstream, origin, state }, 'circuit breaker state changed');
    },
    connectionShed(kind) {
      const admitted = shedLines.admit();
      if (admitted !== undefined) logger.warn({ kind, ...admitted }, 'client connection closed to stay within bounds');
    },
  };
}
