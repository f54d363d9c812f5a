import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { pathOf } from '../kernel/path-of.js';
import { refusal } from './refusal.js';

export interface CallerAdmissionOptions {
  /**
   * Requests one caller may have in progress at once, asked at each admission: CALLER_MAX_IN_FLIGHT
   * while the event loop keeps up, CALLER_MAX_IN_FLIGHT_BUSY while it is saturated.
   */
  maxInFlight(): number;
  /** Requests one caller may have waiting for a turn; past it 503 at once (CALLER_MAX_QUEUED). */
  maxQueued: number;
  /** Longest wait for a turn, in ms; past it 503 (REQUEST_DEADLINE_MS). */
  maxWaitMs: number;
  /** Who sent the request (see caller-key.ts); `serverContext` holds node's `req` on node:http. */
  callerOf(request: Request, serverContext: object): string;
  /** @default '/graphql' — only requests to it are admitted this way. */
  endpoint?: string;
}

interface Caller {
  active: number;
  waiting: Waiter[];
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

/**
 * Per-caller admission: each caller has at most `maxInFlight()` GraphQL requests in progress; more
 * wait their turn, in order, before their body is even read. On one event loop, every request in
 * progress takes its share of each turn of the loop: 48 connections of one caller sending requests
 * the limits refuse made each turn last 140 ms, and another caller's cheap query wait seconds.
 * With a few in progress per caller while the loop is saturated, each caller gets a fair share of
 * every turn, however many connections it opens; while it keeps up, the limit is generous, so a
 * router calling as one caller is not held to a trickle. A request refused here costs no parsing
 * at all: 503 OVERLOADED, with `Retry-After`.
 */
export interface CallerAdmission {
  plugin: Plugin;
  /**
   * Admits waiting requests up to each caller's limit as it is now: when the limit rises (the
   * event loop is calm again), what queued under the tight one goes on without waiting for a
   * request of the same caller to end.
   */
  rebalance(): void;
}

export function createCallerAdmission(options: CallerAdmissionOptions): CallerAdmission {
  const endpoint = options.endpoint ?? '/graphql';
  const callers = new Map<string, Caller>();
  const admitted = new WeakMap<Request, string>();

  /** Turns pass on in order, as many as the limit (which may have changed since) allows. */
  const admitWaiting = (key: string, caller: Caller): void => {
    const limit = options.maxInFlight();
    while (caller.active < limit && caller.waiting.length > 0) {
      const next = caller.waiting.shift() as Waiter;
      clearTimeout(next.timer);
      caller.active += 1;
      next.admit();
    }
    if (caller.active === 0) callers.delete(key);
  };
  const release = (key: string): void => {
    const caller = callers.get(key);
    if (caller === undefined) return;
    caller.active -= 1;
    admitWaiting(key, caller);
  };

  const plugin: Plugin = {
    onRequest({ request, serverContext, endResponse, fetchAPI }) {
      if (pathOf(request.url) !== endpoint) return undefined;
      const key = options.callerOf(request, serverContext);
      let caller = callers.get(key);
      if (caller === undefined) {
        caller = { active: 0, waiting: [] };
        callers.set(key, caller);
      }
      if (caller.active < options.maxInFlight() && caller.waiting.length === 0) {
        caller.active += 1;
        admitted.set(request, key);
        return undefined;
      }
      const refuse = (message: string) => endResponse(refusal(fetchAPI, 503, 'OVERLOADED', message, { 'retry-after': '1' }));
      if (caller.waiting.length >= options.maxQueued) {
        refuse('Too many requests from this caller are waiting; try again shortly');
        return undefined;
      }
      const waiting = caller.waiting;
      return new Promise<void>((resolve) => {
        const waiter: Waiter = {
          admit: () => {
            admitted.set(request, key);
            resolve();
          },
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(waiter), 1);
            refuse('This caller has had too many requests in progress for too long; try again shortly');
            resolve();
          }, options.maxWaitMs),
        };
        waiter.timer.unref();
        waiting.push(waiter);
      });
    },
    onResponse({ request, serverContext }) {
      const key = admitted.get(request);
      if (key === undefined) return;
      admitted.delete(request);
      // On node:http the turn ends when the answer has left the process ('close' follows 'finish',
      // or a dropped connection): an answer the caller does not read (pipelined requests, never
      // read) stays in memory, up to MAX_RESPONSE_BYTES each, and counts against the caller's
      // share until then. Without this, such a caller held no turn and buffered without bound.
      const res = (serverContext as { res?: ServerResponse } | undefined)?.res;
      if (res === undefined || res.closed) release(key);
      else res.once('close', () => release(key));
    },
  };
  return {
    plugin,
    rebalance() {
      for (const [key, caller] of callers) if (caller.waiting.length > 0) admitWaiting(key, caller);
    },
  };
}
