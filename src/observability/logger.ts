// The pino JSON logger every component uses, with secrets redacted (well-known paths by pino, any
// secret-looking key at any depth by redact.ts), and child loggers carrying run and step fields.
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { REDACTED, maskSecrets } from './redact.ts';

export type { Logger } from 'pino';

/** Paths pino censors before anything else runs: the fields credentials usually travel in. */
export const REDACT_PATHS = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
];

export interface LoggerConfig {
  /** pino level; default $CONVEYOR_LOG_LEVEL or "info". */
  level?: string;
  /** Component name, e.g. "controller". */
  name?: string;
  /** Where lines go; stdout by default. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
}

export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? process.env.CONVEYOR_LOG_LEVEL ?? 'info',
    base: { pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      // "level":"warn" rather than 40: read the same by people, jq and log pipelines.
      level: (label) => ({ level: label }),
      bindings: (bindings) => maskSecrets(bindings),
      log: (object) => maskSecrets(object),
    },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (config.name) options.name = config.name;
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** The fields that tie a log line to what it is about (STYLE.md: structured, never in the message). */
export interface LogContext {
  namespace?: string;
  workflow?: string;
  run?: string;
  step?: string;
  attempt?: number;
}

export function withContext(logger: Logger, context: LogContext): Logger {
  const fields = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return logger.child(fields);
}

/** For components constructed without a logger (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
