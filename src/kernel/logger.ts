import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths scrubbed from every log line, whatever logged them. Redaction is configuration, so a new
 * log call cannot leak a credential by forgetting to scrub it.
 */
const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'assertion',
  '*.assertion',
  'client_assertion',
  '*.client_assertion',
  '*.C1_CLIENT_SECRET',
  '*.C1_ACCESS_TOKEN',
  '*.ROUTER_SECRET',
  '*.CURSOR_SECRET',
];

export interface LoggerOptions {
  level: string;
  /** Human-readable output (development only; needs the pino-pretty dev dependency). */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: { service: 'c1-gateway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(base);
}

type LogArgs = unknown[];

/**
 * Yoga's log calls as pino lines. Yoga logs four debug lines per request, so the message is only
 * built when its level is on. Yoga also logs every error it hands to maskError: the mask logs the
 * unexpected ones itself, and expected ones (bad input, upstream codes) are not server errors, so
 * Yoga's error lines go to debug.
 */
export function yogaLogging(logger: Logger) {
  const at = (level: 'debug' | 'info' | 'warn') => (...args: LogArgs) => {
    if (logger.isLevelEnabled(level)) logger[level](args.map(String).join(' '));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('debug') };
}
