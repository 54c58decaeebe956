import { fail, ok, type Result } from '../lib/result.js';
import type { Family } from './extract.js';
import type { Buckets, SeriesReading } from './windowed.js';

/**
 * A histogram's or counter's series on one page, as the windowed aggregations read them:
 * every label set (a histogram's label set is its labels without `le`), every bucket.
 * Problems: `UnsupportedMetricType` (the family is not of the kind the aggregation reads),
 * `NotFinite` (a value is NaN or infinite: the replica gives no sample this time),
 * `ParseError` (an `le` that is not a number, a histogram series without `_count`).
 */
export function readSeries(family: Family, kind: 'histogram' | 'counter', withBuckets: boolean): Result<SeriesReading[]> {
  if (family.type !== kind && !(kind === 'counter' && family.type === 'untyped')) {
    return fail('UnsupportedMetricType', `"${family.name}" is a ${family.type}; this aggregation reads a ${kind}`);
  }
  const odd = family.samples.find((sample) => !Number.isFinite(sample.value));
  if (odd !== undefined) return fail('NotFinite', `series ${odd.name}${labelKey(odd.labels)} is ${odd.value}`);
  if (family.samples.length === 0) return fail('FamilyAbsent', `"${family.name}" is declared (${family.type}) but has no series`);

  if (kind === 'counter') {
    return ok(family.samples.map((sample) => ({ key: labelKey(sample.labels), count: sample.value, sum: 0 })));
  }
  const series = new Map<string, { count?: number; sum: number; buckets?: Map<number, number> }>();
  for (const sample of family.samples) {
    const { le, ...labels } = sample.labels;
    const key = labelKey(labels);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { sum: 0 };
      series.set(key, entry);
    }
    const part = sample.name.slice(family.name.length);
    if (part === '_count') entry.count = sample.value;
    else if (part === '_sum') entry.sum = sample.value;
    else if (part === '_bucket' && withBuckets) {
      const bound = le === undefined ? Number.NaN : parseBound(le);
      if (Number.isNaN(bound)) return fail('ParseError', `bucket ${sample.name}${labelKey(sample.labels)} has no numeric "le"`);
      entry.buckets ??= new Map();
      entry.buckets.set(bound, sample.value);
    }
  }
  const readings: SeriesReading[] = [];
  for (const [key, entry] of series) {
    if (entry.count === undefined) {
      // prometheus_client writes `_count` from the +Inf bucket; a page with buckets only still says it.
      const infinite = entry.buckets?.get(Infinity);
      if (infinite === undefined) return fail('ParseError', `histogram series ${family.name}${key} has no _count`);
      entry.count = infinite;
    }
    readings.push({ key, count: entry.count, sum: entry.sum, ...(entry.buckets !== undefined && { buckets: compact(entry.buckets) }) });
  }
  return ok(readings);
}

function compact(buckets: ReadonlyMap<number, number>): Buckets {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  return { bounds, counts: Float64Array.from(bounds, (bound) => buckets.get(bound) as number) };
}

function parseBound(le: string): number {
  const text = le.trim().toLowerCase();
  if (text === '+inf' || text === 'inf') return Infinity;
  return text === '' ? Number.NaN : Number(text);
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
