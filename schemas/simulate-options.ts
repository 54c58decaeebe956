import type { FromSchema } from 'json-schema-to-ts';
import { defineCommand } from './flags.js';
import { loggingOptions } from './logging-options.js';

/** A duration as written on the command line: "90s", "6m", "1h30m", "4h". */
const DURATION = '^([0-9]+(\\.[0-9]+)?(s|m|h))+$';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** Seconds of a duration that matches DURATION. */
export function durationSeconds(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(s|m|h)/g))
    total += Number(amount) * (UNIT_SECONDS[unit as string] as number);
  return total;
}

const duration = (description: string) => ({ type: 'string', pattern: DURATION, description }) as const;
const durationOr = <D extends string>(fallback: D, description: string) =>
  ({ type: 'string', pattern: DURATION, default: fallback, description }) as const;

/** Options of `keda-kaito-scaler simulate`, the rehearsal of scaling policies. */
export const simulateOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['policy'],
  properties: {
    policy: {
      type: 'array',
      minItems: 1,
      maxItems: 6,
      items: { type: 'string', minLength: 1 },
      description:
        'an annotated InferenceSet (or a ScaledObject for this scaler) in a YAML file: a policy to rehearse; repeat to compare (up to 6)',
    },
    load: {
      type: 'string',
      minLength: 1,
      description: 'the load: step, diurnal, burst, or a CSV file of t_seconds,arrivals_per_second (default step)',
    },
    replay: {
      type: 'string',
      minLength: 1,
      description: 'instead of a load, replay what `scaler --record` recorded (a .jsonl file): open loop',
    },
    replayInferenceSet: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      description: 'namespace/name of the InferenceSet to replay when the recording holds several',
    },
    duration: duration('how long to simulate, e.g. 24h (default: the length of the load or recording)'),
    startup: durationOr('6m', 'how long a new replica takes to serve: node provisioning plus model load'),
    capacity: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1_000_000,
      default: 4,
      description: 'requests per second one replica completes with a full batch',
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 100_000,
      default: 32,
      description: "requests one replica runs at once (vLLM's max_num_seqs); the rest wait",
    },
    peak: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1_000_000_000,
      description: 'arrivals per second at the busiest moment of step, diurnal and burst (default 3.5 x capacity)',
    },
    slo: durationOr('10s', 'queue time above which a moment counts as over target'),
    failureRate: {
      type: 'number',
      minimum: 0,
      maximum: 3600,
      default: 0,
      description: 'expected failures per replica per hour; a failed replica restarts and serves again after --startup',
    },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: 4_294_967_295,
      default: 1,
      description: 'seed of the failure generator: the same seed gives the same run',
    },
    out: {
      type: 'string',
      minLength: 1,
      default: 'simulation',
      description: 'folder for report.html, replicas.svg, replicas.png, timeline.csv and summary.json',
    },
    ...loggingOptions,
    logLevel: { ...loggingOptions.logLevel, default: 'warn' },
  },
} as const;

export type SimulateOptions = Readonly<FromSchema<typeof simulateOptionsSchema>>;

export const simulateCommand = defineCommand<SimulateOptions>(
  'simulate',
  'rehearse scaling policies in virtual time: the real hook rendering and aggregation, an emulated KEDA + HPA, and a load',
  simulateOptionsSchema,
);
