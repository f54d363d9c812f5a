import pLimit from 'p-limit';
import type { ExecutionArgs } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { measureOperation, type OperationCost } from './operation-cost.js';

/**
 * `extensions.reason` of each refusal; the code is BAD_USER_INPUT, like every other request the
 * client must change.
 */
export const COST_REASONS = {
  /** More distinct personal clients than one operation may fetch. */
  fanOut: 'FAN_OUT_LIMIT_EXCEEDED',
  /** More objects resolved than one operation may ask for, repeated ids counted. */
  resolutions: 'RESOLUTION_LIMIT_EXCEEDED',
  /** More fields resolved (objects × fields selected on each) than one operation may ask for. */
  fields: 'FIELD_LIMIT_EXCEEDED',
  /** An `_entities` representation that cannot resolve here. */
  representation: 'INVALID_REPRESENTATION',
} as const;

export interface OperationCostLimits {
  /** Most upstream fetches (distinct ids) one operation may cause (MAX_UPSTREAM_FETCHES_PER_OPERATION). */
  maxFetches: number;
  /** Most objects one operation may resolve at the root, duplicates counted (MAX_RESOLUTIONS_PER_OPERATION). */
  maxResolutions: number;
  /** Most fields one operation may resolve (MAX_FIELDS_PER_OPERATION). */
  maxFields: number;
  /** Operations resolving more fields than this are heavy: they take a turn in the heavy lane (HEAVY_OPERATION_FIELDS). */
  heavyFields: number;
  /** Heavy operations executing at once (HEAVY_OPERATIONS_IN_FLIGHT). */
  heavyInFlight: number;
  /** Heavy operations allowed to wait for a turn; past it they get OVERLOADED at once (HEAVY_OPERATIONS_QUEUE). */
  heavyQueue: number;
}

export interface OperationCostPlugins {
  /** Refuses operations over a limit before they run. Put it with the other request limits. */
  limits: Plugin;
  /** Runs heavy operations a few at a time. Put it after every plugin that picks the executor (graphql-jit). */
  heavyLane: Plugin;
}

const refuse = (message: string, reason: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason } });

/**
 * What one operation may cost, measured from its document and variables before it runs:
 * - refused outright (no resolver runs, nothing goes upstream) past any limit, or with a
 *   representation this subgraph cannot resolve;
 * - otherwise, when heavy, executed a few at a time. A heavy operation costs tens of ms of event
 *   loop; side by side, dozens of them would make every cheap request wait behind them all. In
 *   the lane, a cheap request waits behind at most `heavyInFlight` of them, and the memory their
 *   results hold is bounded too.
 * It runs at execute time rather than as a validation rule because it needs the variables, and
 * Yoga caches validation per document, not per variable set.
 */
export function createOperationCost(limits: OperationCostLimits): OperationCostPlugins {
  const costs = new WeakMap<object, OperationCost>();
  const lane = pLimit(limits.heavyInFlight);
  /** A turn in the lane (resolves with its release), or undefined when the queue is full. */
  const turn = (): Promise<() => void> | undefined => {
    if (lane.activeCount >= lane.concurrency && lane.pendingCount >= limits.heavyQueue) return undefined;
    return new Promise((started) => void lane(() => new Promise<void>((release) => started(release))));
  };

  const limitsPlugin: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = measureOperation(args.document, args.operationName, args.variableValues);
      const errors = refusals(cost, limits);
      if (errors.length > 0) setResultAndStopExecution({ errors });
      else if (cost.fields > limits.heavyFields) costs.set(args, cost);
    },
  };

  const heavyLane: Plugin = {
    // Not async: a light operation (nearly all) must not be made to wait a promise tick for nothing.
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      if (!costs.has(args)) return undefined;
      const waiting = turn();
      if (waiting === undefined) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError('The gateway is busy with other large operations; try again shortly', {
              extensions: { code: 'OVERLOADED' },
            }),
          ],
        });
        return undefined;
      }
      return waiting.then((release) => {
        // The turn ends however execution ends, a thrown error included.
        setExecuteFn(async (executionArgs: ExecutionArgs) => {
          try {
            return await executeFn(executionArgs);
          } finally {
            release();
          }
        });
      });
    },
  };
  return { limits: limitsPlugin, heavyLane };
}

function refusals(cost: OperationCost, limits: OperationCostLimits) {
  const errors = [];
  if (cost.invalidRepresentation !== undefined) {
    errors.push(refuse(`_entities ${cost.invalidRepresentation}`, COST_REASONS.representation));
  }
  const over = (count: number, max: number, what: (n: number) => string, reason: string) => {
    if (count > max) errors.push(refuse(`This operation would ${what(count)}; at most ${max} are allowed per operation`, reason));
  };
  over(cost.resolutions, limits.maxResolutions, (n) => `resolve ${n} objects`, COST_REASONS.resolutions);
  over(cost.fields, limits.maxFields, (n) => `resolve ${n} fields`, COST_REASONS.fields);
  over(cost.fetches, limits.maxFetches, (n) => `fetch ${n} personal clients`, COST_REASONS.fanOut);
  return errors;
}
