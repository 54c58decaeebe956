import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Limiter } from './limiter.js';

/**
 * What scraping tells operators, in the Registry the process serves on `/metrics`.
 * Series are labelled by InferenceSet (namespace, name), never by replica URL, so their
 * number grows with InferenceSets, not with replicas.
 */
export interface ScrapeMetrics {
  readonly scrapeDuration: Histogram<'namespace' | 'inference_set'>;
  readonly scrapeErrors: Counter<'namespace' | 'inference_set' | 'reason'>;
  readonly rounds: Counter<'namespace' | 'inference_set' | 'outcome'>;
  readonly roundDuration: Histogram<'namespace' | 'inference_set'>;
  readonly coalesced: Counter<'namespace' | 'inference_set'>;
  readonly measurements: Counter<'namespace' | 'inference_set' | 'outcome'>;
  readonly value: Gauge<'namespace' | 'inference_set' | 'metric'>;
  readonly replicas: Gauge<'namespace' | 'inference_set' | 'state'>;
}

type PerSetMetric = ScrapeMetrics[keyof ScrapeMetrics];

/**
 * Removes every series of one InferenceSet from every metric labelled by InferenceSet: once
 * it is gone (deleted, or no longer asked about), its last value must not be exported
 * forever, and series must not grow with every InferenceSet that ever existed.
 */
export async function removeSetSeries(metrics: ScrapeMetrics, namespace: string, inferenceSet: string): Promise<void> {
  for (const metric of Object.values(metrics) as PerSetMetric[]) {
    const { values } = await metric.get();
    const seen = new Set<string>();
    for (const { labels } of values as Array<{ labels: Record<string, string | number | undefined> }>) {
      if (labels['namespace'] !== namespace || labels['inference_set'] !== inferenceSet) continue;
      // A histogram's values carry `le` (and come as _bucket, _sum, _count); its series does not.
      const { le: _bucket, ...series } = labels;
      const key = JSON.stringify(series);
      if (seen.has(key)) continue;
      seen.add(key);
      (metric as Gauge<string>).remove(series as Record<string, string>);
    }
  }
}

const PREFIX = 'kks_';
/** InferenceSets shown in the waiting-by-InferenceSet gauge. */
const BUSIEST = 10;
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A metric of the same name already in `registry` (an earlier measurer) is replaced. */
export function createScrapeMetrics(registry: Registry, limiter: Limiter): ScrapeMetrics {
  const fresh = <T>(name: string, create: (name: string) => T): T => {
    registry.removeSingleMetric(PREFIX + name);
    return create(PREFIX + name);
  };
  const registers = [registry];
  const setLabels = ['namespace', 'inference_set'] as const;

  fresh(
    'scrape_slots_in_use',
    (name) =>
      new Gauge({
        name,
        help: 'Scrapes running now, under the process-wide concurrency cap.',
        registers,
        collect() {
          this.set(limiter.active);
        },
      }),
  );
  fresh(
    'scrape_slots_waiting',
    (name) =>
      new Gauge({
        name,
        help: 'Scrapes waiting for a free slot under the concurrency cap.',
        registers,
        collect() {
          this.set(limiter.waiting);
        },
      }),
  );
  fresh(
    'scrape_slots_cap',
    (name) =>
      new Gauge({
        name,
        help: 'The scrape caps: in all, per namespace, per InferenceSet.',
        labelNames: ['scope'] as const,
        registers,
        collect() {
          this.set({ scope: 'process' }, limiter.shares.max);
          this.set({ scope: 'namespace' }, limiter.shares.perGroup);
          this.set({ scope: 'inference_set' }, limiter.shares.perKey);
        },
      }),
  );
  fresh(
    'scrape_waiting_inference_sets',
    (name) =>
      new Gauge({
        name,
        help: 'InferenceSets with scrapes waiting for a slot.',
        registers,
        collect() {
          this.set(limiter.waitingTenants);
        },
      }),
  );
  fresh(
    'scrape_slots_waiting_by_inference_set',
    (name) =>
      new Gauge({
        name,
        help: `Scrapes waiting for a slot, for the ${BUSIEST} InferenceSets with the most waiting (the others are not shown, so series stay few).`,
        labelNames: setLabels,
        registers,
        collect() {
          this.reset();
          for (const { tenant, waiting } of limiter.busiestWaiting(BUSIEST))
            this.set({ namespace: tenant.group, inference_set: tenant.key }, waiting);
        },
      }),
  );

  return {
    scrapeDuration: fresh(
      'scrape_duration_seconds',
      (name) =>
        new Histogram({
          name,
          help: 'Time to scrape one replica (connect, answer, body), failed scrapes included.',
          labelNames: setLabels,
          buckets: SECONDS,
          registers,
        }),
    ),
    scrapeErrors: fresh(
      'scrape_errors_total',
      (name) =>
        new Counter({
          name,
          help: 'Replicas that gave no sample in a scrape round, by reason.',
          labelNames: [...setLabels, 'reason'] as const,
          registers,
        }),
    ),
    rounds: fresh(
      'scrape_rounds_total',
      (name) =>
        new Counter({
          name,
          help: 'Scrape rounds, by outcome: complete (every replica gave a sample), partial, empty (none did).',
          labelNames: [...setLabels, 'outcome'] as const,
          registers,
        }),
    ),
    roundDuration: fresh(
      'scrape_round_duration_seconds',
      (name) =>
        new Histogram({
          name,
          help: 'Time from the start of a scrape round to its last replica.',
          labelNames: setLabels,
          buckets: SECONDS,
          registers,
        }),
    ),
    coalesced: fresh(
      'scrape_coalesced_total',
      (name) =>
        new Counter({
          name,
          help: 'Measurements that joined a scrape round already in flight instead of starting one.',
          labelNames: setLabels,
          registers,
        }),
    ),
    measurements: fresh(
      'measurements_total',
      (name) =>
        new Counter({
          name,
          help: 'Measurements answered, by outcome: ok, or the reason there was no number.',
          labelNames: [...setLabels, 'outcome'] as const,
          registers,
        }),
    ),
    value: fresh(
      'metric_value',
      (name) =>
        new Gauge({
          name,
          help: 'The last number answered for an InferenceSet and metric.',
          labelNames: [...setLabels, 'metric'] as const,
          registers,
        }),
    ),
    replicas: fresh(
      'replicas',
      (name) =>
        new Gauge({
          name,
          help: 'Replicas of an InferenceSet in its last measurement: total, and sampled (those that gave a sample).',
          labelNames: [...setLabels, 'state'] as const,
          registers,
        }),
    ),
  };
}
