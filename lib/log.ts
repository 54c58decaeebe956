import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LogOptions {
  readonly level: string;
  readonly format: LogFormat;
  /** Defaults to stdout; tests pass a stream to read the lines back. */
  readonly destination?: NodeJS.WritableStream;
}

/** JSON lines for machines; a readable form when a person watches a terminal. */
export function createLogger(options: LogOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const isTerminal = 'isTTY' in destination && Boolean(destination.isTTY);
  const wantsPretty = options.format === 'pretty' || (options.format === 'auto' && isTerminal);
  const stream = wantsPretty ? pretty({ destination, colorize: isTerminal, sync: true }) : destination;
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}
