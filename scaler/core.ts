import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { ok } from '../lib/result.js';
import type { InferenceSetView } from './discovery/discovery.js';
import { gate } from './gate.js';
import { createLimiter } from './limiter.js';
import { createMeasurer, measurerDefaults, type ObservedMeasurement } from './measure.js';
import { parseTriggerMetadata, targetUrls, WINDOWED } from './metadata.js';
import { createSampler } from './sampler.js';
import { createScraper, type Scraper } from './scrape.js';
import type { ScalerCore } from './service.js';

export interface CoreOptions {
  readonly registry: Registry;
  readonly log: Logger;
  readonly concurrency: number;
  readonly maxBodyBytes: number;
  readonly sampleIntervalMs: number;
  readonly maxSampledKeys: number;
  /** Called once each one-round measurement completes (`scaler --record`); must not throw. */
  readonly observe?: (seen: ObservedMeasurement) => void;
}

/**
 * The scaler's core: each trigger is answered by what its aggregation reads. One scrape
 * round (`sum`, `service-avg`: the measurer), the sampler's window (`windowed-avg`,
 * `percentile`, `rate`), or the InferenceSet's readiness (`gate`). Every scrape of the
 * process goes through one limiter and one set of connections.
 */
export function createCore(options: CoreOptions): ScalerCore & { close(): void } {
  const { registry, log } = options;
  const limiter = createLimiter(options.concurrency);
  const answered = new Map<string, boolean>();
  const scraper = noteAnswers(createScraper({ maxBodyBytes: options.maxBodyBytes, idleSocketMs: measurerDefaults.idleSocketMs }), answered);
  const measurer = createMeasurer({
    registry,
    log,
    maxConcurrency: options.concurrency,
    limiter,
    scraper,
    ...(options.observe && { observe: options.observe }),
  });
  const sampler = createSampler({ intervalMs: options.sampleIntervalMs, maxKeys: options.maxSampledKeys, limiter, scraper, registry, log });

  return {
    parseTriggerMetadata,
    targetUrls,
    async measure(config, urls, deadline, view?: InferenceSetView) {
      const where = {
        inferenceSet: `${config.inferenceSetNamespace}/${config.inferenceSetName}`,
        metric: config.metricName,
        aggregation: config.aggregation,
      };
      if (config.aggregation === 'gate') {
        if (view === undefined) throw new Error('the gate needs the InferenceSet');
        const reading = gate(view, (authority) => answered.get(authority));
        log.debug({ ...where, value: reading.value, explanation: reading.explanation }, 'gate');
        return ok({ value: reading.value, active: reading.value === 1, explanation: reading.explanation });
      }
      if (WINDOWED.has(config.aggregation)) {
        const answer = await sampler.read(config, urls, deadline);
        if (!answer.ok) return answer;
        const { value, reason, explanation, alias } = answer.value;
        log[reason === undefined ? 'debug' : 'info'](
          { ...where, value, reason, alias, coverage: answer.value.coverage, explanation },
          'windowed answer',
        );
        return ok({ value, active: value > 0, explanation, ...(reason !== undefined && { reason }) });
      }
      return measurer.measure(config, urls, deadline, view?.replicas?.desired);
    },
    close() {
      sampler.close();
      measurer.close();
    },
  };
}

/** Most replicas remembered for the static gate: a set that churns must not grow for ever. */
const MAX_REMEMBERED = 100_000;

/** Records, per `host:port`, whether the replica answered its last scrape (the static gate reads it). */
function noteAnswers(scraper: Scraper, answered: Map<string, boolean>): Scraper {
  return {
    async fetch(url, timeoutMs) {
      const result = await scraper.fetch(url, timeoutMs);
      let authority: string;
      try {
        authority = new URL(url).host;
      } catch {
        return result;
      }
      if (answered.size >= MAX_REMEMBERED && !answered.has(authority)) answered.clear();
      answered.set(authority, result.ok);
      return result;
    },
    close: () => scraper.close(),
  };
}
