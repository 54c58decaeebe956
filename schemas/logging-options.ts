import type { FromSchema } from 'json-schema-to-ts';

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

export type LoggingOptions = Readonly<
  FromSchema<{ type: 'object'; properties: typeof loggingOptions; required: ['logLevel', 'logFormat'] }>
>;
