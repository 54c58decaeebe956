import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { abbreviate } from '../lib/text.js';
import { within } from '../lib/wait.js';
import { scalerOptionsSchema } from '../schemas/scaler-options.js';
import { aggregations, type ServiceReading } from './aggregate.js';
import { extractFamily, filterNames } from './extract.js';
import { createLimiter } from './limiter.js';
import type { TriggerConfig } from './metadata.js';
import { SCRAPE_FAILURES, createScraper, filteredUrl } from './scrape.js';
import { createScrapeMetrics } from './scrape-metrics.js';

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
  | { readonly url: string; readonly value: number }
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
   */
  measure(config: TriggerConfig, urls: readonly string[], deadline: number): Promise<Result<Measurement>>;
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
  /** Scrapes in flight at once, across every call of the process. */
  readonly maxConcurrency?: number;
  /** Bigger metrics pages count as missing. */
  readonly maxBodyBytes?: number;
  /** Time kept before the deadline to aggregate and answer. */
  readonly deadlineMarginMs?: number;
}

export const measurerDefaults = {
  maxConcurrency: scalerOptionsSchema.properties.scrapeConcurrency.default,
  maxBodyBytes: scalerOptionsSchema.properties.maxBodyBytes.default,
  deadlineMarginMs: 150,
  // vLLM's HTTP server (uvicorn) closes idle connections after 5 s.
  idleSocketMs: 4000,
} as const;

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
  const limiter = createLimiter(maxConcurrency);
  const scraper = createScraper({
    maxBodyBytes: options.maxBodyBytes ?? measurerDefaults.maxBodyBytes,
    idleSocketMs: measurerDefaults.idleSocketMs,
  });
  const metrics = createScrapeMetrics(options.registry, limiter);
  const rounds = new Map<string, Round>();

  const measureTarget = async (config: TriggerConfig, url: string, deadline: number): Promise<TargetOutcome> => {
    const labels = setLabels(config);
    if (deadline - margin <= Date.now()) return { url, missing: 'Timeout', detail: 'no time left before the deadline' };
    const queueTimeout = { url, missing: 'QueueTimeout', detail: `no free scrape slot (cap ${maxConcurrency}) before the deadline` } as const;
    const slot = await limiter.run(deadline - margin, async () => {
      const started = Date.now();
      const left = deadline - margin - started;
      if (left <= 0) return undefined;
      const result = await scraper.fetch(filteredUrl(url, filterNames(config.metricName)), Math.min(config.scrapeTimeoutMs, left));
      metrics.scrapeDuration.observe(labels, (Date.now() - started) / 1000);
      return result;
    });
    if (!slot.ran || slot.value === undefined) return queueTimeout;
    const page = slot.value;
    if (!page.ok) return { url, missing: page.missing, detail: page.detail };
    const family = extractFamily(page.body, config.metricName);
    if (!family.ok) return { url, missing: family.problem.reason as MissingReason, detail: family.problem.message };
    return outcome(url, aggregations[config.aggregation].read(family.value, config.metricName));
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
    const done = Promise.all(targets).then(() => {
      const labels = setLabels(config);
      const missing = [...outcomes.values()].filter((entry) => 'missing' in entry);
      for (const entry of missing) metrics.scrapeErrors.inc({ ...labels, reason: entry.missing });
      const outcome = missing.length === 0 ? 'complete' : missing.length === urls.length ? 'empty' : 'partial';
      metrics.rounds.inc({ ...labels, outcome });
      metrics.roundDuration.observe(labels, (Date.now() - started) / 1000);
      if (missing.length > 0) {
        log.warn(
          { inferenceSet: setName(config), metric: config.metricName, missing: missing.map(({ url, missing: reason, detail }) => ({ url, reason, detail })) },
          `scrape round: ${missing.length} of ${urls.length} replicas gave no sample`,
        );
      }
    }).catch((error: unknown) => log.error({ err: error, inferenceSet: setName(config) }, 'scrape round bookkeeping failed'));
    return { outcomes, done };
  };

  return {
    async measure(config, urls, callDeadline) {
      const deadline = Number.isNaN(callDeadline) ? Infinity : callDeadline;
      const labels = setLabels(config);
      let seen: readonly TargetOutcome[] = [];
      const result = await (async (): Promise<Result<Measurement>> => {
        if (urls.length === 0) return combine(config, []);
        const unique = [...new Set(urls)].sort();
        const key = JSON.stringify([config.inferenceSetNamespace, config.inferenceSetName, config.metricName, config.aggregation, config.scrapeTimeoutMs, unique]);
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
        return combine(config, outcomes);
      })().catch((error: unknown) => fail<Measurement>('InternalError', `measuring failed: ${error instanceof Error ? error.message : String(error)}`));

      if (result.ok) {
        const { value, active, outcomes } = result.value;
        const sampled = outcomes.filter((entry) => 'value' in entry).length;
        metrics.measurements.inc({ ...labels, outcome: 'ok' });
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
            outcomes: outcomes.map((entry) => ('value' in entry ? { url: entry.url, value: entry.value } : { url: entry.url, reason: entry.missing })),
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
      scraper.close();
    },
  };
}

function combine(config: TriggerConfig, outcomes: readonly TargetOutcome[]): Result<Measurement> {
  const unsupported = outcomes.find((entry) => 'missing' in entry && entry.missing === 'UnsupportedMetricType');
  if (unsupported !== undefined && 'missing' in unsupported) {
    return fail('UnsupportedMetricType', `${unsupported.detail} (replica ${unsupported.url})`);
  }
  const values = outcomes.flatMap((entry) => ('value' in entry ? [entry.value] : []));
  const combined = aggregations[config.aggregation].combine(outcomes.length, values, config.threshold);
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

const setName = (config: TriggerConfig): string => `${config.inferenceSetNamespace}/${config.inferenceSetName}`;
const setLabels = (config: TriggerConfig) => ({ namespace: config.inferenceSetNamespace, inference_set: config.inferenceSetName });
