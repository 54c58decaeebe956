import parsePrometheusText from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log.js';
import { createMeasurer } from '../../scaler/measure.js';
import { parseTriggerMetadata, type TriggerConfig } from '../../scaler/metadata.js';
import { createScraper } from '../../scaler/scrape.js';
import { ownCpuMs } from './processes.js';
import type { Farm } from './replica-farm.js';

/**
 * Scrape rounds as the scaler runs them (the real measurer), and as the naive design
 * would (one replica after the other, each page parsed whole), timed by wall clock and by
 * this process's CPU. Benchmarks interleave segments of the designs they compare, so that
 * a busy spell of the shared machine weighs on both alike.
 */
export const METRIC = 'vllm:num_requests_waiting';

function benchTrigger(): TriggerConfig {
  const config = parseTriggerMetadata({ inferenceSetName: 'bench', inferenceSetNamespace: 'default', metricName: METRIC, threshold: '10' });
  if (!config.ok) throw new Error(config.problem.message);
  return config.value;
}

/** A way to answer one GetMetrics over a set of replicas. */
export interface Design {
  /** One round: the answer. Throws when any replica gives no sample (a fast wrong answer is no result). */
  round(): Promise<number>;
  /** Opens the connections (untimed); the answer. */
  warm(): Promise<number>;
  close(): void;
}

/** The scaler's measurer with its defaults (one InferenceSet scrapes at most 64 replicas at once). */
export function measurerDesign(urls: readonly string[]): Design {
  const config = benchTrigger();
  const measurer = createMeasurer({ registry: new Registry(), log: createLogger({ level: 'silent', format: 'json' }) });
  const round = async () => {
    const result = await measurer.measure(config, urls, Date.now() + 3000);
    if (!result.ok) throw new Error(`the round failed: ${result.problem.message}`);
    const missing = result.value.outcomes.filter((outcome) => 'missing' in outcome);
    if (missing.length > 0) throw new Error(`${missing.length} of ${urls.length} replicas gave no sample: ${JSON.stringify(missing[0])}`);
    return result.value.value;
  };
  return { round, warm: round, close: () => measurer.close() };
}

/**
 * Baseline A, the naive design: one replica after the other over the same keep-alive HTTP
 * client as the measurer's, each page parsed whole by parse-prometheus-text-format, the
 * family summed. Its connections stay open however long a round takes.
 */
export function naiveDesign(urls: readonly string[]): Design {
  const scraper = createScraper({ maxBodyBytes: 4 * 1024 * 1024, idleSocketMs: 10 * 60 * 1000 });
  const fetchPage = async (url: string) => {
    const page = await scraper.fetch(url, 3000);
    if (!page.ok) throw new Error(`${url}: ${page.problem.reason} (${page.problem.message})`);
    return page.value;
  };
  const read = (url: string, body: string) => {
    const family = parsePrometheusText(body).find((entry) => entry.name === METRIC);
    if (family === undefined) throw new Error(`${url}: no family ${METRIC}`);
    return family.metrics.reduce((sum, sample) => sum + Number(sample.value), 0);
  };
  return {
    async round() {
      let value = 0;
      for (const url of urls) value += read(url, await fetchPage(url));
      return value;
    },
    // All at once: a sequential warm-up of 500 replicas would take seconds.
    async warm() {
      const pages = await Promise.all(urls.map(fetchPage));
      return pages.reduce((sum, body, index) => sum + read(urls[index] as string, body), 0);
    },
    close: () => scraper.close(),
  };
}

export interface Segment {
  /** Wall time of each round. */
  readonly wallMs: readonly number[];
  /** This process's CPU over the segment, per round (CPU spent between rounds counts). */
  readonly cpuMsPerRound: number;
  /** Bytes the replicas sent per round, when a farm was given. */
  readonly wirePerRound: number;
  readonly bodyPerRound: number;
  readonly value: number;
}

/**
 * `rounds` timed rounds of one design, after `warmups` untimed rounds have opened the
 * connections. No garbage is collected by force in between: a full collection shrinks V8's
 * young generation, and the next rounds would pay for growing it again, which a scaler
 * serving calls never does. What the other design left behind is collected during the
 * timed rounds, and charged to them.
 */
export async function segment(
  design: Design,
  rounds: number,
  options: { readonly warmups?: number; readonly farm?: Farm } = {},
): Promise<Segment> {
  const { farm } = options;
  const value = await design.warm();
  for (let index = 1; index < (options.warmups ?? 1); index += 1) await design.round();
  const before = await farm?.traffic();
  const wallMs: number[] = [];
  const cpu = ownCpuMs();
  for (let index = 0; index < rounds; index += 1) {
    const started = performance.now();
    const answer = await design.round();
    wallMs.push(performance.now() - started);
    if (answer !== value) throw new Error(`round ${index} answered ${answer}, the warm-up ${value}`);
  }
  const cpuMsPerRound = (ownCpuMs() - cpu) / rounds;
  const after = await farm?.traffic();
  const per = (field: 'wire' | 'body') => (before && after ? (after[field] - before[field]) / rounds : NaN);
  return { wallMs, cpuMsPerRound, wirePerRound: per('wire'), bodyPerRound: per('body'), value };
}
