import type { FromSchema } from 'json-schema-to-ts';
import { defineCommand } from './flags.js';
import { loggingOptions } from './logging-options.js';

/** How the simulated replicas' load moves over time (dev/load-pattern.ts says what each does). */
export const PATTERNS = ['cycle', 'steady', 'burst', 'idle'] as const;
export type Pattern = (typeof PATTERNS)[number];

const port = (fallback: number, what: string) =>
  ({ type: 'integer', minimum: 0, maximum: 65535, default: fallback, description: `${what} (0: any free port)` }) as const;

/** Options of `keda-kaito-scaler dev`, the whole system on this machine. */
export const devOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    replicas: {
      type: 'integer',
      minimum: 1,
      maximum: 32,
      default: 3,
      description: 'how many simulated vLLM replicas to run (1 to 32)',
    },
    pattern: {
      type: 'string',
      enum: [...PATTERNS],
      default: 'cycle',
      description: 'how their load moves: steady, burst, idle, or cycle (40 s of each in turn)',
    },
    duration: {
      type: 'integer',
      minimum: 0,
      maximum: 86_400,
      default: 0,
      description: 'stop after this many seconds (0: run until Ctrl-C)',
    },
    hooksPort: port(8080, 'port of the hooks, the Metacontroller webhooks'),
    grpcPort: port(10450, "port of the scaler's gRPC server, with mTLS"),
    httpPort: port(10451, "port of the scaler's /healthz, /readyz and /metrics"),
    replicaPort: port(9001, 'port of the first simulated replica; the others take the next ones'),
    pollInterval: {
      type: 'number',
      minimum: 0.2,
      maximum: 3600,
      default: 2,
      description: "seconds between two polls of the scaler (GetMetrics and IsActive), as KEDA's pollingInterval",
    },
    dir: {
      type: 'string',
      minLength: 1,
      default: '.dev',
      description: 'folder for the dev certificates (tls/, reused while valid) and the targets file',
    },
    policy: {
      type: 'string',
      enum: ['single', 'composite'],
      default: 'single',
      description:
        'the example InferenceSet run without --inference-set: single (one threshold) or composite (several signals and a formula)',
    },
    inferenceSet: {
      type: 'string',
      minLength: 1,
      description: "YAML file of the annotated InferenceSet to render and scale (default: the project's examples/inferenceset.yaml)",
    },
    ...loggingOptions,
    logLevel: {
      ...loggingOptions.logLevel,
      default: 'warn',
      description: 'log level of the hooks and the scaler, whose logs appear beside the poll lines',
    },
  },
} as const;

export type DevOptions = Readonly<FromSchema<typeof devOptionsSchema>>;

export const devCommand = defineCommand<DevOptions>(
  'dev',
  'run the whole system on this machine: hooks, scaler (mTLS) and simulated vLLM replicas, polled as KEDA would',
  devOptionsSchema,
);
