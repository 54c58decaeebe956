import { compile } from './compile.js';
import { NAMESPACE, OBJECT_NAME } from './patterns.js';

/**
 * One line of a `scaler --record` file (JSON Lines): what one measurement saw. `simulate
 * --replay` reads it back, so the writer and the reader share this schema.
 */
export interface RecordedReplica {
  readonly url: string;
  readonly value?: number;
  readonly reason?: string;
}

export interface RecordedMeasurement {
  /** ISO 8601, UTC. */
  readonly time: string;
  readonly namespace: string;
  readonly inferenceSet: string;
  readonly metric: string;
  readonly aggregation: string;
  readonly threshold: number;
  /** One per replica (Workspace) the scaler scraped: its value, or why it gave none. */
  readonly replicas: readonly RecordedReplica[];
  /** The answer KEDA got, or the reason there was none. */
  readonly value?: number;
  readonly problem?: { readonly reason: string; readonly message: string };
}

const reason = 'InvalidRecording';

export const recordingLineSchema = {
  type: 'object',
  required: ['time', 'namespace', 'inferenceSet', 'metric', 'aggregation', 'threshold', 'replicas'],
  'x-reason': reason,
  description: 'a recorded measurement: {time, namespace, inferenceSet, metric, aggregation, threshold, replicas, value | problem}',
  properties: {
    time: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T',
      'x-reason': reason,
      description: 'when the measurement completed, ISO 8601',
    },
    namespace: { type: 'string', pattern: NAMESPACE, 'x-reason': reason, description: "the InferenceSet's namespace" },
    inferenceSet: { type: 'string', pattern: OBJECT_NAME, 'x-reason': reason, description: "the InferenceSet's name" },
    metric: { type: 'string', minLength: 1, 'x-reason': reason, description: 'the metric family measured' },
    aggregation: { type: 'string', minLength: 1, 'x-reason': reason, description: 'the aggregation that combined the replicas' },
    threshold: { type: 'number', exclusiveMinimum: 0, 'x-reason': reason, description: 'the per-replica target' },
    replicas: {
      type: 'array',
      'x-reason': reason,
      description: 'one entry per replica: {url, value} or {url, reason}',
      items: {
        type: 'object',
        required: ['url'],
        'x-reason': reason,
        description: 'a replica: {url, value} or {url, reason}',
        properties: {
          url: { type: 'string', 'x-reason': reason, description: "the replica's metrics URL" },
          value: { type: 'number', minimum: 0, 'x-reason': reason, description: "the replica's reading, >= 0" },
          reason: { type: 'string', minLength: 1, 'x-reason': reason, description: 'why the replica gave no reading' },
        },
      },
    },
    value: { type: 'number', minimum: 0, 'x-reason': reason, description: 'the value KEDA got' },
    problem: {
      type: 'object',
      required: ['reason', 'message'],
      'x-reason': reason,
      description: 'why KEDA got no value: {reason, message}',
      properties: { reason: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const validateRecordingLine = compile<RecordedMeasurement>(recordingLineSchema, { reason });

export interface TraceRow {
  readonly t_seconds: number;
  readonly arrivals_per_second: number;
}

/** One row of a `--load trace.csv` file, after splitting the line on its comma. */
export const validateTraceRow = compile<TraceRow>(
  {
    type: 'object',
    required: ['t_seconds', 'arrivals_per_second'],
    properties: {
      t_seconds: { type: 'number', minimum: 0, 'x-reason': 'InvalidTrace', description: 'seconds since the start of the trace, a number' },
      arrivals_per_second: {
        type: 'number',
        minimum: 0,
        'x-reason': 'InvalidTrace',
        description: 'requests arriving per second, a number',
      },
    },
  },
  { reason: 'InvalidTrace' },
);
