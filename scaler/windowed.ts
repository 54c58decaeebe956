/**
 * The windowed aggregations: values read over the last `window` of a replica's samples
 * rather than from one scrape. Pure functions of the samples kept; the sampler (sampler.ts)
 * takes them.
 *
 * Increases are per replica and per series, and reset-aware as Prometheus' `increase()`
 * is: a count that went down means the process restarted, and counts from 0 again. So a
 * replica restart never gives a negative or huge value. They are not extrapolated to the
 * window's edges: the window runs from the newest sample at or before its start (or the
 * oldest kept) to the newest sample.
 */

/** One series of a family on one replica at one scrape: a histogram's label set (without `le`), or a counter's. */
export interface SeriesReading {
  /** The label set, as a stable string. */
  readonly key: string;
  /** A histogram's `_count`, or a counter's value. */
  readonly count: number;
  /** A histogram's `_sum` (0 for a counter). */
  readonly sum: number;
  /** Cumulative bucket counts by upper bound (`le`), +Inf included; histograms read with buckets only. */
  readonly buckets?: Buckets;
}

/**
 * A histogram's buckets, compact: thousands of replicas keep a window of them. `bounds`
 * ascending (the same array for every sample of one layout), `counts` cumulative, one per bound.
 */
export interface Buckets {
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
}

/** The cumulative count at `bound`, or undefined when the layout has no such bound. */
function countAt(buckets: Buckets, bound: number, index: number): number | undefined {
  if (buckets.bounds[index] === bound) return buckets.counts[index];
  const found = buckets.bounds.indexOf(bound);
  return found === -1 ? undefined : buckets.counts[found];
}

/** One replica's reading at one scrape: every value finite. */
export interface Snapshot {
  /** Epoch ms. */
  readonly at: number;
  readonly series: readonly SeriesReading[];
}

/** What happened on one replica between its first and last sample of the window. */
export interface Increase {
  readonly count: number;
  readonly sum: number;
  /** Per upper bound; undefined when no series had buckets. */
  readonly buckets?: ReadonlyMap<number, number>;
  /** Epoch ms of the samples the increase is between. */
  readonly from: number;
  readonly to: number;
  /** Restarts seen inside the window. */
  readonly resets: number;
}

/**
 * The samples a window reads, oldest first: from the newest one at or before `now - window`
 * (or the oldest kept) to the newest. `history` is sorted by time.
 */
export function inWindow(history: readonly Snapshot[], now: number, windowMs: number): readonly Snapshot[] {
  const start = now - windowMs;
  let first = 0;
  for (let index = 0; index < history.length; index += 1) {
    if ((history[index] as Snapshot).at <= start) first = index;
    else break;
  }
  return history.slice(first).filter((snapshot) => snapshot.at <= now);
}

/** The increase over a replica's samples of the window; undefined with fewer than two. */
export function increase(samples: readonly Snapshot[]): Increase | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || samples.length < 2) return undefined;
  let count = 0;
  let sum = 0;
  let resets = 0;
  let buckets: Map<number, number> | undefined;
  for (let index = 1; index < samples.length; index += 1) {
    const previous = new Map((samples[index - 1] as Snapshot).series.map((series) => [series.key, series]));
    let reset = false;
    for (const current of (samples[index] as Snapshot).series) {
      const before = previous.get(current.key);
      // A series not seen before is new (prometheus_client creates a label set at its first
      // observation): it counts from 0, as it does after a restart.
      const restarted = before === undefined || current.count < before.count || bucketsWentDown(before, current);
      if (before !== undefined && restarted) reset = true;
      count += restarted ? current.count : current.count - (before as SeriesReading).count;
      sum += restarted ? current.sum : current.sum - (before as SeriesReading).sum;
      if (current.buckets !== undefined) {
        buckets ??= new Map();
        const { bounds, counts } = current.buckets;
        for (let bucket = 0; bucket < bounds.length; bucket += 1) {
          const bound = bounds[bucket] as number;
          const cumulative = counts[bucket] as number;
          // A bound the previous sample lacked: the layout changed, which only a restart does.
          const base = restarted || before?.buckets === undefined ? 0 : (countAt(before.buckets, bound, bucket) ?? 0);
          buckets.set(bound, (buckets.get(bound) ?? 0) + cumulative - base);
        }
      }
    }
    if (reset) resets += 1;
  }
  return { count, sum, ...(buckets !== undefined && { buckets }), from: first.at, to: last.at, resets };
}

function bucketsWentDown(before: SeriesReading, current: SeriesReading): boolean {
  if (current.buckets === undefined || before.buckets === undefined) return false;
  const { bounds, counts } = current.buckets;
  for (let bucket = 0; bucket < bounds.length; bucket += 1) {
    const previous = countAt(before.buckets, bounds[bucket] as number, bucket);
    if (previous !== undefined && (counts[bucket] as number) < previous) return true;
  }
  return false;
}

export interface WindowedValue {
  readonly value: number;
  /** Observations (histograms) or increase (counters) across replicas in the window. */
  readonly observations: number;
  /** Why the value is what it is, when that is not obvious (no observations, too few, ...). */
  readonly note?: string;
}

/** `windowed-avg`: Σ Δ`_sum` / Σ Δ`_count` over the replicas; 0 without observations. */
export function windowedAverage(increases: readonly Increase[]): WindowedValue {
  let count = 0;
  let sum = 0;
  for (const each of increases) {
    count += each.count;
    sum += each.sum;
  }
  if (count <= 0) return { value: 0, observations: 0, note: 'no observations in the window' };
  return { value: Math.max(0, sum / count), observations: count };
}

/**
 * `percentile`: the quantile of the replicas' summed bucket increases, interpolated inside
 * its bucket as Prometheus' `histogram_quantile` does. Replicas whose bucket layouts differ
 * are summed over the bounds they share (counts there are exact; the answer is coarser).
 * Fewer observations than `minSamples` give 0: a handful of requests says nothing about a
 * tail.
 */
export function percentile(
  increases: readonly Increase[],
  quantile: number,
  minSamples: number,
): WindowedValue | { readonly problem: string } {
  const withBuckets = increases.filter((each) => each.buckets !== undefined);
  if (withBuckets.length === 0) return { problem: 'the replicas served no buckets (_bucket series) for this histogram' };
  let shared: number[] = [...(withBuckets[0]?.buckets?.keys() ?? [])];
  for (const each of withBuckets.slice(1)) shared = shared.filter((bound) => each.buckets?.has(bound));
  shared.sort((a, b) => a - b);
  if (shared[shared.length - 1] !== Infinity || shared.length < 2) {
    return { problem: 'the replicas share no bucket bounds besides +Inf: their histograms cannot be combined' };
  }
  const counts = shared.map((bound) => withBuckets.reduce((total, each) => total + (each.buckets?.get(bound) ?? 0), 0));
  const observations = counts[counts.length - 1] as number;
  if (observations <= 0) return { value: 0, observations: 0, note: 'no observations in the window' };
  if (observations < minSamples) {
    return { value: 0, observations, note: `${observations} observations in the window, fewer than minSamples (${minSamples})` };
  }
  return { value: bucketQuantile(quantile, shared, counts), observations };
}

/**
 * Prometheus' `bucketQuantile` (promql/quantile.go): cumulative `counts` per ascending
 * `bounds` ending in +Inf. Counts are made monotonic first (increases of different series
 * can cross by a few when a restart falls between them).
 */
export function bucketQuantile(quantile: number, bounds: readonly number[], counts: readonly number[]): number {
  const monotonic: number[] = [];
  for (const count of counts) monotonic.push(Math.max(count, monotonic[monotonic.length - 1] ?? 0));
  const last = monotonic.length - 1;
  const rank = quantile * (monotonic[last] as number);
  let bucket = monotonic.findIndex((count) => count >= rank);
  if (bucket === -1) bucket = last;
  if (bucket === last) return bounds[last - 1] as number;
  if (bucket === 0 && (bounds[0] as number) <= 0) return bounds[0] as number;
  const start = bucket === 0 ? 0 : (bounds[bucket - 1] as number);
  const below = bucket === 0 ? 0 : (monotonic[bucket - 1] as number);
  const inside = (monotonic[bucket] as number) - below;
  return start + ((bounds[bucket] as number) - start) * ((rank - below) / inside);
}

/** `rate`: the mean over replicas of each one's increase per second. */
export function rate(increases: readonly Increase[]): WindowedValue | { readonly problem: string } {
  const rates = increases.filter((each) => each.to > each.from).map((each) => each.count / ((each.to - each.from) / 1000));
  if (rates.length === 0) return { problem: 'no replica has two samples in the window yet' };
  const total = increases.reduce((sum, each) => sum + each.count, 0);
  return { value: Math.max(0, rates.reduce((sum, each) => sum + each, 0) / rates.length), observations: total };
}
