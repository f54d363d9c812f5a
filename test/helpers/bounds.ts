import { loadConfig } from '../../src/config.js';

/** The configured defaults, for tests that build a resilience module directly: defaults live only in config. */
const defaults = loadConfig({});

export const BREAKER_BOUNDS = {
  windowMs: defaults.BREAKER_WINDOW_MS,
  minRequests: defaults.BREAKER_MIN_REQUESTS,
  failureRatio: defaults.BREAKER_FAILURE_RATIO,
  consecutiveFailures: defaults.BREAKER_CONSECUTIVE_FAILURES,
  cooldownMs: defaults.BREAKER_COOLDOWN_MS,
};

export const RETRY_BOUNDS = {
  retries: defaults.UPSTREAM_RETRIES,
  baseMs: defaults.UPSTREAM_RETRY_BASE_MS,
  maxMs: defaults.UPSTREAM_RETRY_MAX_MS,
};
