import type { Result } from '../lib/result.js';
import type { Measurement } from '../scaler/measure.js';
import type { Answer } from '../scaler/client.js';
import type { ReplicaReading } from './display.js';

/**
 * The scaler's own measurements, as the dev stack sees them through a tap on its core:
 * which one answered a given GetMetrics, and what each replica gave in it. The poll lines
 * show these readings, not a second scrape of the replicas.
 */
export interface Observed {
  /** Epoch ms when the measurement finished. */
  readonly at: number;
  readonly namespace: string;
  readonly name: string;
  readonly metricName: string;
  readonly result: Result<Measurement>;
}

export interface Wanted {
  readonly namespace: string;
  readonly name: string;
  readonly metricName: string;
  /** The poll started then: earlier measurements belong to earlier calls. */
  readonly since: number;
  /** What GetMetrics answered: its value, or a failure. */
  readonly answer: Answer<number>;
}

/**
 * The latest measurement of the trigger since the poll started that gave the answer
 * GetMetrics returned (the same value, or a failure for a failure). Another caller's
 * measurement in between (a `query` run by hand) cannot be mistaken for the poll's unless
 * it gave the very same answer, and then it shows the same thing.
 */
export function matchObserved(observed: readonly Observed[], wanted: Wanted): Observed | undefined {
  for (let index = observed.length - 1; index >= 0; index--) {
    const entry = observed[index] as Observed;
    if (entry.at < wanted.since) break;
    if (entry.namespace !== wanted.namespace || entry.name !== wanted.name || entry.metricName !== wanted.metricName) continue;
    if (wanted.answer.ok ? entry.result.ok && entry.result.value.value === wanted.answer.value : !entry.result.ok) return entry;
  }
  return undefined;
}

/** Each replica's reading, labelled by its port (":9001"), in the order the scaler measured them. */
export function readings(measurement: Measurement): Array<{ label: string; reading: ReplicaReading }> {
  return measurement.outcomes.map((outcome) => ({
    label: labelOf(outcome.url),
    reading: 'value' in outcome ? { value: outcome.value } : { missing: outcome.missing },
  }));
}

function labelOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return url;
  }
}
