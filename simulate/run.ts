import { fail, ok, type Result } from '../lib/result.js';
import type { RecordedMeasurement } from '../schemas/recording.js';
import { hpaSync, initialHpaState, type HpaState } from './hpa.js';
import type { Load } from './load.js';
import type { Policy } from './policy.js';
import { running, waiting } from './queue.js';
import {
  advancePool,
  expectedQueueSeconds,
  isReady,
  readyCount,
  scalePool,
  startingPool,
  type Pool,
  type PoolParameters,
} from './replicas.js';

/**
 * The rehearsal loop of one policy, in virtual time. Every `syncSeconds` the replicas are
 * measured (each serving replica's value; a starting one gives none), the scaler's own
 * aggregation combines the values with its fallback, and the emulated HPA decides. In a
 * closed loop (a load) the queues then move on, second by second, with the replicas the
 * policy chose; in an open loop (a recording) the recorded values are replayed as they are.
 */

export type Source =
  | { readonly kind: 'load'; readonly load: Load }
  /** Measurements of one InferenceSet, oldest first, with `at` in seconds since the first. */
  | { readonly kind: 'replay'; readonly name: string; readonly records: readonly Recorded[] };

/** A recorded measurement, `at` seconds after the first of the recording. */
type Recorded = RecordedMeasurement & { readonly at: number };

export interface Scenario {
  readonly source: Source;
  readonly duration: number;
  readonly syncSeconds: number;
  readonly pool: PoolParameters;
  /** Queue time above which a moment counts as over target (closed loop). */
  readonly sloSeconds: number;
  readonly seed: number;
}

export interface TimelineRow {
  readonly t: number;
  readonly policy: string;
  readonly replicas: number;
  readonly ready: number;
  /** What the metrics asked for before stabilization, policies and bounds; undefined when held. */
  readonly aim: number | undefined;
  /** The scaler's answer; undefined when it had none. */
  readonly value: number | undefined;
  readonly threshold: number;
  /** Closed loop only (NaN in a replay): the load and what it did to the replicas. */
  readonly arrivals: number;
  readonly waiting: number;
  readonly running: number;
  readonly queueSeconds: number;
  /** The HPA's reason for `replicas`, or the metric problem when it held. */
  readonly reason: string;
}

export interface PolicySummary {
  /** Replica-hours, starting replicas included: their GPU nodes are paid for from the start. */
  readonly gpuHours: number;
  /** Closed loop: seconds with queue time above the SLO; replay: seconds with value per replica above the threshold. */
  readonly secondsOverTarget: number;
  /** 95th percentile of the queue time, over requests (null in a replay). */
  readonly p95QueueSeconds: number | null;
  readonly scaleUps: number;
  readonly scaleDowns: number;
  readonly maxReplicas: number;
  readonly failures: number;
}

export interface PolicyRun {
  readonly policy: string;
  /** The HPA's minReplicas and maxReplicas. */
  readonly bounds: { readonly min: number; readonly max: number };
  readonly rows: readonly TimelineRow[];
  readonly summary: PolicySummary;
}

/** The per-replica values the closed loop can produce, by metric family. */
const MODELLED: Readonly<Record<string, (inSystem: number, pool: PoolParameters) => number>> = {
  'vllm:num_requests_waiting': waiting,
  'vllm:num_requests_running': running,
};

/**
 * Whether the source can give the policy's metric: problem `UnmodelledMetric` when a load
 * cannot (the load model produces waiting and running requests), `UnrecordedMetric` when
 * the recording holds no measurement of it.
 */
export function checkSource(policy: Policy, source: Source): Result<void> {
  const metric = policy.trigger.metricName;
  if (source.kind === 'replay') {
    if (source.records.some((record) => record.metric === metric)) return ok(undefined);
    const recorded = [...new Set(source.records.map((record) => record.metric))].join(', ');
    return fail('UnrecordedMetric', `policy ${policy.name} scales on ${metric}; the recording of ${source.name} holds ${recorded}`);
  }
  if (MODELLED[metric] !== undefined) return ok(undefined);
  return fail(
    'UnmodelledMetric',
    `policy ${policy.name} scales on ${metric}; the load model produces ${Object.keys(MODELLED).join(' and ')}: ` +
      'rehearse it with --replay on a recording of that metric',
  );
}

function measureModel(policy: Policy, pool: Pool, now: number, parameters: PoolParameters): Result<number> {
  const read = MODELLED[policy.trigger.metricName] as (typeof MODELLED)[string];
  const values = pool.replicas.filter((replica) => isReady(replica, now)).map((replica) => read(replica.inSystem, parameters));
  return combine(policy, pool.replicas.length, values);
}

/** The latest measurement of the policy's metric (`records`) at most 3 syncs old, through the policy's aggregation. */
function measureReplay(
  policy: Policy,
  records: readonly Recorded[],
  cursor: { index: number },
  now: number,
  syncSeconds: number,
): Result<number> {
  while (cursor.index + 1 < records.length && (records[cursor.index + 1] as Recorded).at <= now) cursor.index += 1;
  const record = records[cursor.index];
  if (record === undefined || record.at > now || record.at <= now - 3 * syncSeconds) {
    return fail('NoRecording', `no measurement recorded within ${3 * syncSeconds} s before t=${now}`);
  }
  const values = record.replicas.flatMap((replica) => (replica.value === undefined ? [] : [replica.value]));
  return combine(policy, record.replicas.length, values);
}

/** The scaler's own aggregation of the replicas' values (T = every replica, starting ones included). */
function combine(policy: Policy, targets: number, values: readonly number[]): Result<number> {
  const combined = policy.aggregation.combine(targets, values, policy.trigger.threshold);
  return combined.ok ? ok(combined.value.value) : combined;
}

/**
 * The smallest value v such that the values <= v carry at least p of the weight (p in
 * 0..1); null without weight. A binary search over the sorted values: a day of seconds sorts
 * natively instead of through a comparator.
 */
export function weightedPercentile(values: Float64Array, weights: Float64Array, count: number, p: number): number | null {
  let total = 0;
  for (let index = 0; index < count; index += 1) total += weights[index] as number;
  if (total <= 0) return null;
  const sorted = values.slice(0, count).sort();
  const weightUpTo = (limit: number): number => {
    let sum = 0;
    for (let index = 0; index < count; index += 1) if ((values[index] as number) <= limit) sum += weights[index] as number;
    return sum;
  };
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (weightUpTo(sorted[middle] as number) >= p * total) high = middle;
    else low = middle + 1;
  }
  return sorted[low] as number;
}

export function simulatePolicy(policy: Policy, scenario: Scenario, onProgress?: (seconds: number) => void): PolicyRun {
  const { source, duration, syncSeconds, pool: parameters } = scenario;
  const closed = source.kind === 'load';
  const step = closed ? 1 : syncSeconds;
  let pool = startingPool(policy.hpa.minReplicas, scenario.seed);
  let hpa: HpaState = initialHpaState;
  const rows: TimelineRow[] = [];
  const cursor = { index: 0 };
  const records = source.kind === 'replay' ? source.records.filter((record) => record.metric === policy.trigger.metricName) : [];
  const steps = Math.ceil(duration / step);
  const queueTimes = new Float64Array(closed ? steps : 0);
  const weights = new Float64Array(closed ? steps : 0);
  let replicaSeconds = 0;
  let overTarget = 0;
  let scaleUps = 0;
  let scaleDowns = 0;
  let maxReplicas = pool.replicas.length;
  let lastValue: number | undefined;

  for (let index = 0; index < steps; index += 1) {
    const now = index * step;
    const seconds = Math.min(step, duration - now);
    const arrivals = closed ? source.load.rateAt(now) : NaN;
    if (now % syncSeconds === 0) {
      const current = pool.replicas.length;
      const ready = readyCount(pool, now);
      const measured = closed ? measureModel(policy, pool, now, parameters) : measureReplay(policy, records, cursor, now, syncSeconds);
      lastValue = measured.ok ? measured.value : undefined;
      const synced = hpaSync(policy.hpa, hpa, { now, current, ready, values: [measured] });
      hpa = synced.state;
      const { replicas } = synced.decision;
      if (replicas > current) scaleUps += 1;
      if (replicas < current) scaleDowns += 1;
      if (replicas !== current) pool = scalePool(pool, replicas, now, parameters);
      maxReplicas = Math.max(maxReplicas, replicas);
      const serving = pool.replicas.filter((replica) => isReady(replica, now));
      rows.push({
        t: now,
        policy: policy.name,
        replicas,
        ready: serving.length,
        aim: synced.decision.aim,
        value: lastValue,
        threshold: policy.trigger.threshold,
        arrivals,
        waiting: closed ? serving.reduce((total, replica) => total + waiting(replica.inSystem, parameters), pool.gateway) : NaN,
        running: closed ? serving.reduce((total, replica) => total + running(replica.inSystem, parameters), 0) : NaN,
        queueSeconds: closed ? expectedQueueSeconds(pool, now, parameters) : NaN,
        reason: measured.ok ? synced.decision.reason : measured.problem.reason,
      });
      onProgress?.(now);
    }
    replicaSeconds += pool.replicas.length * seconds;
    if (closed) {
      const queue = expectedQueueSeconds(pool, now, parameters);
      queueTimes[index] = queue;
      weights[index] = arrivals * seconds;
      if (queue > scenario.sloSeconds) overTarget += seconds;
      pool = advancePool(pool, now, seconds, arrivals, parameters);
    } else if (lastValue !== undefined && lastValue / pool.replicas.length > policy.trigger.threshold) {
      overTarget += seconds;
    }
  }
  return {
    policy: policy.name,
    bounds: { min: policy.hpa.minReplicas, max: policy.hpa.maxReplicas },
    rows,
    summary: {
      gpuHours: replicaSeconds / 3600,
      secondsOverTarget: overTarget,
      p95QueueSeconds: closed ? weightedPercentile(queueTimes, weights, steps, 0.95) : null,
      scaleUps,
      scaleDowns,
      maxReplicas,
      failures: pool.failures,
    },
  };
}
