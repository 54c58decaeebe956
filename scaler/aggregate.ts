import { fail, ok, type Result } from '../lib/result.js';
import type { Family, MetricType } from './extract.js';
import { serviceAvg } from './service-avg.js';

/**
 * How the replicas' readings become the one number KEDA gets, chosen by name
 * (`aggregation` in the trigger metadata). Pure: scraping happens elsewhere.
 */
export type AggregationName = 'sum' | 'service-avg';

export type ServiceReading =
  | { readonly value: number }
  | { readonly missing: 'UnsupportedMetricType' | 'FamilyAbsent' | 'NotFinite'; readonly detail: string };

export interface Combined {
  /** Finite and >= 0. */
  readonly value: number;
  readonly active: boolean;
  /** Replicas that gave a reading (s). */
  readonly sampled: number;
  /** What the fallback added for the replicas without a reading. */
  readonly assumed: number;
}

export interface Aggregation {
  readonly name: AggregationName;
  /** One replica's reading of the family found on its page; `metricName` is what was asked for. */
  read(family: Family, metricName: string): ServiceReading;
  /**
   * `targets` replicas (T), the readings of those that gave one, the per-replica target
   * (θ), and how many replicas the InferenceSet asks for (`spec.replicas`; T when unknown,
   * as for static targets). Problems: `NoTargets` (T = 0), `NoSamples` (no reading).
   */
  combine(targets: number, values: readonly number[], threshold: number, desired?: number): Result<Combined>;
}

/** Readings beyond what a double holds saturate instead of becoming ±Infinity. */
const saturate = (value: number): number => Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, value));

const total = (values: readonly number[]): number => saturate(values.reduce((sum, value) => sum + value, 0));

/** The metric types `sum` can add up. */
const sumReads: readonly MetricType[] = ['gauge', 'counter', 'untyped'];

/**
 * `sum`: a replica's reading is the sum of every series of the family on its page; the
 * answer is the sum over replicas (Σ over s of T). Missing replicas are filled in only up to
 * E = min(T, spec.replicas): during a surge upgrade KAITO keeps an extra Workspace until it
 * is Ready (T = spec.replicas + 1), and filling that phantom replica at target would ask the
 * HPA for one more. With f = max(0, E − s) replicas to fill:
 *  - below target on average (Σ/s < θ), each filled one counts as exactly at target:
 *    Σ + θ·f;
 *  - at or above target (Σ/s ≥ θ), filled ones add nothing, but the answer never drops
 *    below everyone-at-target: max(Σ, θ·(s + f)).
 * So a replica that is briefly unreachable can neither cause a scale-down (the answer stays
 * >= what its absence would hide) nor a scale-up (above θ·E only the replicas that answered
 * count), and the answer never falls when a reading rises. The answer is clamped at 0; it is
 * inactive only when every replica gave a reading and the answer is 0.
 */
export const sum: Aggregation = {
  name: 'sum',
  read(family, metricName) {
    if (!sumReads.includes(family.type)) {
      const what =
        family.name === metricName
          ? `"${metricName}" is a ${family.type}`
          : `"${metricName}" is part of the ${family.type} "${family.name}"`;
      return { missing: 'UnsupportedMetricType', detail: `${what}; the sum aggregation reads ${sumReads.join(', ')} families` };
    }
    if (family.samples.length === 0) {
      return { missing: 'FamilyAbsent', detail: `"${family.name}" is declared (${family.type}) but has no series` };
    }
    const odd = family.samples.find((sample) => !Number.isFinite(sample.value));
    if (odd !== undefined) {
      return { missing: 'NotFinite', detail: `series ${odd.name}${formatLabels(odd.labels)} is ${odd.value}` };
    }
    return { value: total(family.samples.map((sample) => sample.value)) };
  },
  combine(targets, values, threshold, desired = targets) {
    if (values.length > targets) throw new Error(`${values.length} readings from ${targets} replicas`);
    if (targets === 0) return fail('NoTargets', 'the InferenceSet has no replicas (Workspaces) to scrape');
    const sampled = values.length;
    if (sampled === 0) return fail('NoSamples', `none of the ${targets} replica${targets === 1 ? '' : 's'} gave a sample`);
    const observed = total(values);
    // Both cases above in one expression (with everyone answering it is Σ), built only from
    // operations that never decrease when an input increases: the answer is monotonic even
    // where rounding meets the boundary Σ/s = θ.
    const filled = Math.max(0, Math.min(targets, desired) - sampled);
    const answer = Math.max(observed, Math.min(observed + threshold * filled, threshold * (sampled + filled)));
    const value = Math.max(0, saturate(answer));
    return ok({ value, active: !(sampled === targets && value === 0), sampled, assumed: Math.max(0, saturate(answer - observed)) });
  },
};

export const aggregations: Readonly<Record<AggregationName, Aggregation>> = {
  sum,
  // service-avg reads a replica as sum does, importing it from here: a getter keeps that
  // import cycle safe whichever module loads first.
  get 'service-avg'() {
    return serviceAvg;
  },
};

/** The aggregation that reads one scrape round by that name; undefined for windowed ones and the gate. */
export function oneRoundAggregation(name: string): Aggregation | undefined {
  return Object.hasOwn(aggregations, name) ? aggregations[name as AggregationName] : undefined;
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
