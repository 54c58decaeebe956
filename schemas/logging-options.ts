/** Options every command shares; spread into each command's options schema. */
export const loggingOptions = {
  logLevel: {
    type: 'string',
    enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    description: 'log level',
  },
  logFormat: {
    type: 'string',
    enum: ['auto', 'json', 'pretty'],
    default: 'auto',
    description: 'log format: json lines, pretty text, or auto (pretty on a terminal, json otherwise)',
  },
} as const;

export interface LoggingOptions {
  readonly logLevel: string;
  readonly logFormat: 'auto' | 'json' | 'pretty';
}
