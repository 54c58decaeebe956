import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { recentKeys, type RecentKeys } from '../lib/recent-keys.js';
import { abbreviate } from '../lib/text.js';
import { within } from '../lib/wait.js';
import { scalerOptionsSchema } from '../schemas/scaler-options.js';
import { oneRoundAggregation, type Aggregation, type ServiceReading } from './aggregate.js';
import { extractFamilyOrAlias, namesWithAlias } from './aliases.js';
import { filterNames } from './extract.js';
import { createLimiter, type Limiter, type LimiterShares } from './limiter.js';
import type { TriggerConfig } from './metadata.js';
import { SCRAPE_FAILURES, createScraper, filteredUrl, type Scraper } from './scrape.js';
import { createScrapeMetrics, removeSetSeries } from './scrape-metrics.js';

/**
 * Turns (trigger, replica URLs, deadline) into one number: scrapes every replica in
 * parallel under a process-wide cap, reads the family from each page, and lets the
 * trigger's aggregation combine the readings. Concurrent calls for the same trigger and
 * replicas share one scrape round; a finished round is never reused.
 */

/** Why a replica gave no sample (stable: metrics and alerts use these). */
export const MISSING_REASONS = [
  ...SCRAPE_FAILURES,
  'QueueTimeout',
  'ParseError',
  'FamilyAbsent',
  'NotFinite',
  'UnsupportedMetricType',
  'InternalError',
] as const;
export type MissingReason = (typeof MISSING_REASONS)[number];

export type TargetOutcome =
  | {
      readonly url: string;
      readonly value: number /** The other vLLM name read, when the replica serves only that. */;
      readonly alias?: string;
    }
  | { readonly url: string; readonly missing: MissingReason; readonly detail: string };

export interface Measurement {
  readonly value: number;
  readonly active: boolean;
  /** One per URL passed in, in the same order. */
  readonly outcomes: readonly TargetOutcome[];
}

export interface Measurer {
  /**
   * deadline: epoch ms by which the answer must be back (from the gRPC call's deadline, or
   * now + default). Never rejects. Problems: `NoTargets` and `NoSamples` (no number to
   * give: UNAVAILABLE), `UnsupportedMetricType` (the trigger asks for a family the
   * aggregation cannot read: INVALID_ARGUMENT), `InternalError` (a bug). Messages list the
   * replicas' reasons but not the InferenceSet and metric, which the caller knows.
   * desired: the InferenceSet's spec.replicas (undefined: as many as `urls`), which bounds
   * how many missing replicas the aggregation fills in.
   */
  measure(config: TriggerConfig, urls: readonly string[], deadline: number, desired?: number): Promise<Result<Measurement>>;
  /** Frees keep-alive sockets and aborts scrapes in flight. */
  close(): void;
}

/** What one measurement saw, for an observer (`scaler --record`). */
export interface ObservedMeasurement {
  readonly config: TriggerConfig;
  /** One per replica scraped; empty when there was none to scrape. */
  readonly outcomes: readonly TargetOutcome[];
  readonly result: Result<Measurement>;
}

export interface MeasurerOptions {
  readonly registry: Registry;
  readonly log: Logger;
  /** Called once each measurement completes; must not throw. */
  readonly observe?: (seen: ObservedMeasurement) => void;
  /** Scrapes in flight at once, across every call of the process; shares per namespace and InferenceSet follow from it. */
  readonly maxConcurrency?: number;
  /** Explicit shares instead of those `maxConcurrency` implies (benchmarks compare the rules). */
  readonly shares?: LimiterShares;
  /** Bigger metrics pages count as missing. */
  readonly maxBodyBytes?: number;
  /** Time kept before the deadline to aggregate and answer. */
  readonly deadlineMarginMs?: number;
  /** Series of an InferenceSet not measured for this long are removed (it was deleted, or is no longer asked about). */
  readonly forgetAfterMs?: number;
  readonly now?: () => number;
  /** The process's scrape cap and connections, when something besides the measurer scrapes too (the sampler). */
  readonly limiter?: Limiter;
  readonly scraper?: Scraper;
}

export const measurerDefaults = {
  maxConcurrency: scalerOptionsSchema.properties.scrapeConcurrency.default,
  maxBodyBytes: scalerOptionsSchema.properties.maxBodyBytes.default,
  deadlineMarginMs: 150,
  // KEDA asks every pollingInterval (15 s here) and at least every HPA sync: ten minutes of silence means gone.
  forgetAfterMs: 10 * 60 * 1000,
  // vLLM's HTTP server (uvicorn) closes idle connections after 5 s.
  idleSocketMs: 4000,
} as const;

/** Metric names of one InferenceSet whose last value is exported (a caller may ask for any number). */
const MAX_METRIC_NAMES = 8;

/** Longest detail kept of why a replica gave no sample. */
const MAX_DETAIL = 240;

interface Round {
  /** Filled in as replicas answer. */
  readonly outcomes: Map<string, TargetOutcome>;
  readonly done: Promise<void>;
}

export function createMeasurer(options: MeasurerOptions): Measurer {
  const { log } = options;
  const maxConcurrency = options.maxConcurrency ?? measurerDefaults.maxConcurrency;
  const margin = options.deadlineMarginMs ?? measurerDefaults.deadlineMarginMs;
  const limiter = options.limiter ?? createLimiter(options.shares ?? maxConcurrency);
  const scraper =
    options.scraper ??
    createScraper({
      maxBodyBytes: options.maxBodyBytes ?? measurerDefaults.maxBodyBytes,
      idleSocketMs: measurerDefaults.idleSocketMs,
    });
  const metrics = createScrapeMetrics(options.registry, limiter);
  const rounds = new Map<string, Round>();
  const now = options.now ?? Date.now;
  const forgetAfter = options.forgetAfterMs ?? measurerDefaults.forgetAfterMs;
  /** InferenceSets with series, when each was last measured, and the metric names their kks_metric_value carries. */
  const measured = new Map<string, { readonly namespace: string; readonly name: string; at: number; readonly metricNames: RecentKeys }>();
  let lastSweep = now();
  const sweep = () => {
    const at = now();
    if (at - lastSweep < forgetAfter / 10) return;
    lastSweep = at;
    for (const [key, entry] of measured) {
      if (at - entry.at < forgetAfter) continue;
      measured.delete(key);
      removeSetSeries(metrics, entry.namespace, entry.name).catch((error: unknown) =>
        log.error({ err: error }, 'removing the series of an InferenceSet failed'),
      );
    }
  };
  // Also when no call comes at all (the last ScaledObject deleted).
  const sweeper = setInterval(sweep, forgetAfter / 10);
  sweeper.unref();
  /** Notes a measurement of an InferenceSet, which keeps its series. */
  const note = (config: TriggerConfig) => {
    const key = setName(config);
    const entry = measured.get(key) ?? {
      namespace: config.inferenceSetNamespace,
      name: config.inferenceSetName,
      at: 0,
      metricNames: recentKeys(MAX_METRIC_NAMES),
    };
    entry.at = now();
    measured.set(key, entry);
    return entry;
  };

  const measureTarget = async (config: TriggerConfig, url: string, deadline: number): Promise<TargetOutcome> => {
    const labels = setLabels(config);
    if (deadline - margin <= Date.now()) return { url, missing: 'Timeout', detail: 'no time left before the deadline' };
    const { max, perGroup, perKey } = limiter.shares;
    const queueTimeout = {
      url,
      missing: 'QueueTimeout',
      detail: `no free scrape slot before the deadline (caps: ${max} in all, ${perGroup} per namespace, ${perKey} per InferenceSet)`,
    } as const;
    const tenant = { group: config.inferenceSetNamespace, key: config.inferenceSetName };
    const slot = await limiter.run(tenant, deadline - margin, async () => {
      const started = Date.now();
      const left = deadline - margin - started;
      if (left <= 0) return undefined;
      const names = namesWithAlias(config.metricName, (family) => filterNames(family));
      const result = await scraper.fetch(filteredUrl(url, names), Math.min(config.scrapeTimeoutMs, left));
      metrics.scrapeDuration.observe(labels, (Date.now() - started) / 1000);
      return result;
    });
    if (!slot.ok || slot.value === undefined) return queueTimeout;
    const page = slot.value;
    if (!page.ok) return { url, missing: page.problem.reason, detail: page.problem.message };
    const found = extractFamilyOrAlias(page.value, config.metricName);
    if (!found.ok) return { url, missing: found.problem.reason as MissingReason, detail: found.problem.message };
    const { family, alias } = found.value;
    const read = outcome(url, aggregationOf(config).read(family, alias ?? config.metricName));
    if (alias === undefined || !('value' in read)) return read;
    noteAlias(url, config.metricName, alias);
    return { ...read, alias };
  };

  // Said once per replica and name, not on every scrape.
  const aliasesSeen = new Set<string>();
  const noteAlias = (url: string, asked: string, alias: string) => {
    const key = `${url} ${asked}`;
    if (aliasesSeen.has(key)) return;
    if (aliasesSeen.size >= 10_000) aliasesSeen.clear();
    aliasesSeen.add(key);
    log.info({ url, metric: asked, alias }, `replica serves "${alias}" for "${asked}" (renamed in vLLM): reading it`);
  };

  const startRound = (config: TriggerConfig, urls: readonly string[], deadline: number): Round => {
    const started = Date.now();
    const outcomes = new Map<string, TargetOutcome>();
    const targets = urls.map(async (url) => {
      const result = await measureTarget(config, url, deadline).catch((error: unknown) => ({
        url,
        missing: 'InternalError' as const,
        detail: error instanceof Error ? error.message : String(error),
      }));
      // A detail may quote what a replica sent (a value, a label set, a header): it goes into
      // logs and into the gRPC status KEDA receives, so it is kept short.
      outcomes.set(url, 'missing' in result ? { ...result, detail: abbreviate(result.detail, MAX_DETAIL) } : result);
    });
    // Never rejects: a round ends, whatever its bookkeeping does.
    const done = Promise.all(targets)
      .then(() => {
        const labels = setLabels(config);
        const missing = [...outcomes.values()].filter((entry) => 'missing' in entry);
        for (const entry of missing) metrics.scrapeErrors.inc({ ...labels, reason: entry.missing });
        const outcome = missing.length === 0 ? 'complete' : missing.length === urls.length ? 'empty' : 'partial';
        metrics.rounds.inc({ ...labels, outcome });
        metrics.roundDuration.observe(labels, (Date.now() - started) / 1000);
        if (missing.length > 0) {
          log.warn(
            {
              inferenceSet: setName(config),
              metric: config.metricName,
              missing: missing.map(({ url, missing: reason, detail }) => ({ url, reason, detail })),
            },
            `scrape round: ${missing.length} of ${urls.length} replicas gave no sample`,
          );
        }
      })
      .catch((error: unknown) => log.error({ err: error, inferenceSet: setName(config) }, 'scrape round bookkeeping failed'));
    return { outcomes, done };
  };

  return {
    async measure(config, urls, callDeadline, desired) {
      sweep();
      const noted = note(config);
      const deadline = Number.isNaN(callDeadline) ? Infinity : callDeadline;
      const labels = setLabels(config);
      let seen: readonly TargetOutcome[] = [];
      const result = await (async (): Promise<Result<Measurement>> => {
        if (urls.length === 0) return combine(config, [], desired);
        const unique = [...new Set(urls)].sort();
        const key = JSON.stringify([
          config.inferenceSetNamespace,
          config.inferenceSetName,
          config.metricName,
          config.aggregation,
          config.scrapeTimeoutMs,
          unique,
        ]);
        let round = rounds.get(key);
        if (round !== undefined) {
          metrics.coalesced.inc(labels);
        } else {
          const started = startRound(config, unique, deadline);
          rounds.set(key, started);
          void started.done.finally(() => rounds.delete(key));
          round = started;
        }
        await within(round.done, deadline - margin / 2 - Date.now());
        const outcomes = urls.map(
          (url): TargetOutcome => round.outcomes.get(url) ?? { url, missing: 'Timeout', detail: 'no answer before the call deadline' },
        );
        seen = outcomes;
        return combine(config, outcomes, desired);
      })().catch((error: unknown) =>
        fail<Measurement>('InternalError', `measuring failed: ${error instanceof Error ? error.message : String(error)}`),
      );

      if (result.ok) {
        const { value, active, outcomes } = result.value;
        const sampled = outcomes.filter((entry) => 'value' in entry).length;
        metrics.measurements.inc({ ...labels, outcome: 'ok' });
        // Only the last few metric names of an InferenceSet keep a value series: a caller may ask for any number.
        for (const gone of noted.metricNames.touch(config.metricName)) metrics.value.remove({ ...labels, metric: gone });
        metrics.value.set({ ...labels, metric: config.metricName }, value);
        metrics.replicas.set({ ...labels, state: 'total' }, urls.length);
        metrics.replicas.set({ ...labels, state: 'sampled' }, sampled);
        log.debug(
          {
            inferenceSet: setName(config),
            metric: config.metricName,
            value,
            active,
            replicas: urls.length,
            sampled,
            outcomes: outcomes.map((entry) =>
              'value' in entry
                ? { url: entry.url, value: entry.value, ...(entry.alias !== undefined && { alias: entry.alias }) }
                : { url: entry.url, reason: entry.missing },
            ),
          },
          'measured',
        );
      } else {
        metrics.measurements.inc({ ...labels, outcome: result.problem.reason });
        log.warn({ inferenceSet: setName(config), metric: config.metricName, reason: result.problem.reason }, result.problem.message);
      }
      options.observe?.({ config, outcomes: seen, result });
      return result;
    },
    close() {
      clearInterval(sweeper);
      scraper.close();
    },
  };
}

function combine(config: TriggerConfig, outcomes: readonly TargetOutcome[], desired: number | undefined): Result<Measurement> {
  const unsupported = outcomes.find((entry) => 'missing' in entry && entry.missing === 'UnsupportedMetricType');
  if (unsupported !== undefined && 'missing' in unsupported) {
    return fail('UnsupportedMetricType', `${unsupported.detail} (replica ${unsupported.url})`);
  }
  const values = outcomes.flatMap((entry) => ('value' in entry ? [entry.value] : []));
  const combined = aggregationOf(config).combine(outcomes.length, values, config.threshold, desired);
  if (!combined.ok) {
    const missing = describeMissing(outcomes);
    return fail(combined.problem.reason, `${combined.problem.message}${missing === '' ? '' : `: ${missing}`}`);
  }
  return ok({ value: combined.value.value, active: combined.value.active, outcomes });
}

const SHOWN = 5;

function describeMissing(outcomes: readonly TargetOutcome[]): string {
  const missing = outcomes.flatMap((entry) => ('missing' in entry ? [`${entry.url}: ${entry.missing} (${entry.detail})`] : []));
  const more = missing.length > SHOWN ? `; and ${missing.length - SHOWN} more` : '';
  return missing.slice(0, SHOWN).join('; ') + more;
}

function outcome(url: string, reading: ServiceReading): TargetOutcome {
  return 'value' in reading ? { url, value: reading.value } : { url, missing: reading.missing, detail: reading.detail };
}

/** The measurer reads one scrape round; windowed aggregations and the gate are answered elsewhere. */
function aggregationOf(config: TriggerConfig): Aggregation {
  const aggregation = oneRoundAggregation(config.aggregation);
  if (aggregation === undefined) throw new Error(`aggregation ${config.aggregation} does not read one scrape round`);
  return aggregation;
}

const setName = (config: TriggerConfig): string => `${config.inferenceSetNamespace}/${config.inferenceSetName}`;
const setLabels = (config: TriggerConfig) => ({ namespace: config.inferenceSetNamespace, inference_set: config.inferenceSetName });
