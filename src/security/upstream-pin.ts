import type { Dispatcher } from 'undici';
import { outcomeError } from '../resilience/outcome.js';

/**
 * Wraps the upstream dispatcher so that, given the one origin the C1 bearer may travel to
 * (`config.c1.origin`, derived at config load), no request — API call or token exchange, now or added
 * later — can leave for another origin, or use an absolute-form target a proxy would reroute.
 * The Agent underneath never follows redirects; this makes "only C1 sees the bearer" a checked
 * property instead of an accident of how each call site builds its URL.
 */
export function pinToOrigin(dispatcher: Dispatcher, allowedOrigin: string): Dispatcher {
  const allowed = new URL(allowedOrigin).origin;
  return dispatcher.compose((dispatch) => (options, handler) => {
    const origin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin;
    if (origin !== allowed || !options.path.startsWith('/') || options.path.startsWith('//')) {
      // No URL in the message: it may name an internal host, and errors can reach a response.
      throw outcomeError('offOrigin', 'Refused to send a request outside the configured C1 origin');
    }
    return dispatch(options, handler);
  });
}
