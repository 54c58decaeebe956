import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { abbreviate } from '../lib/text.js';
import { within } from '../lib/wait.js';
import { extractFamilyOrAlias, namesWithAlias } from './aliases.js';
import { filterNames } from './extract.js';
import type { Limiter } from './limiter.js';
import type { TriggerConfig } from './metadata.js';
import { filteredUrl, type Scraper } from './scrape.js';
import { readSeries } from './series.js';
import { answerWindow, withoutReading, type WindowAnswer } from './window-answer.js';
import type { SeriesReading, Snapshot } from './windowed.js';

/**
 * Keeps the history windowed aggregations read: every tracked (InferenceSet, family, kind,
 * scrape settings) is scraped every interval, through the scaler's scrape limiter and
 * scraper, and its samples are kept for the largest window asked. A key nobody asked about
 * for `idleMs` is dropped; at most `maxKeys` are tracked (a new key beyond that is refused,
 * counted and logged). A call for a key whose newest round is older than the interval
 * starts one, or joins the one in flight, and waits for it within its deadline.
 */
export interface Sampler {
  read(config: TriggerConfig, urls: readonly string[], deadline: number): Promise<Result<SampledAnswer>>;
  /** Keys tracked now. */
  readonly size: number;
  close(): void;
}

export interface SampledAnswer extends WindowAnswer {
  /** The vLLM name read instead of the one asked for, when a replica has only that. */
  readonly alias?: string;
}

export interface SamplerOptions {
  readonly intervalMs: number;
  readonly maxKeys: number;
  readonly limiter: Limiter;
  readonly scraper: Scraper;
  readonly registry: Registry;
  readonly log: Logger;
  /** Default 20 minutes. */
  readonly idleMs?: number;
  /** Time kept before a call's deadline to answer. */
  readonly deadlineMarginMs?: number;
}

export const samplerDefaults = { idleMs: 20 * 60_000, deadlineMarginMs: 150 } as const;

type Kind = 'histogram' | 'counter';

const MAX_SHARED = 1000;

interface Tracked {
  readonly key: string;
  readonly config: TriggerConfig;
  readonly kind: Kind;
  urls: readonly string[];
  windowMs: number;
  withBuckets: boolean;
  lastAsked: number;
  lastRoundAt: number;
  /** When the sampler's next round of this key is due (epoch ms). */
  nextDue: number;
  inFlight: Promise<void> | undefined;
  readonly histories: Map<string, Snapshot[]>;
  /** Series keys and bucket layouts seen, so that each sample shares them instead of holding copies. */
  readonly seriesKeys: Map<string, string>;
  readonly layouts: Map<string, readonly number[]>;
  /** The alias read on the last round, per replica. */
  readonly aliases: Map<string, string>;
  /** Why a replica gave no sample on the last round. */
  readonly problems: Map<string, { readonly reason: string; readonly detail: string }>;
}

export function createSampler(options: SamplerOptions): Sampler {
  const { intervalMs, maxKeys, limiter, scraper, log } = options;
  const idleMs = options.idleMs ?? samplerDefaults.idleMs;
  const margin = options.deadlineMarginMs ?? samplerDefaults.deadlineMarginMs;
  const tracked = new Map<string, Tracked>();
  const metrics = samplerMetrics(options.registry, () => tracked.size);
  let lastCapLog = -Infinity;
  let closed = false;

  const scrapeReplica = async (entry: Tracked, url: string, names: readonly string[], deadline: number): Promise<void> => {
    // The sampler's scrapes count against the InferenceSet's fair share, like the calls' own.
    const tenant = { group: entry.config.inferenceSetNamespace, key: entry.config.inferenceSetName };
    const slot = await limiter.run(tenant, deadline, async () => {
      const left = deadline - Date.now();
      return left > 0 ? scraper.fetch(filteredUrl(url, names), Math.min(entry.config.scrapeTimeoutMs, left)) : undefined;
    });
    const at = Date.now();
    const page = slot.ok ? slot.value : undefined;
    if (page === undefined || !page.ok) {
      const reason = page === undefined ? 'QueueTimeout' : page.problem.reason;
      metrics.samples.inc({ outcome: reason });
      entry.problems.set(url, { reason, detail: page === undefined ? 'no free scrape slot in time' : page.problem.message });
      return;
    }
    const found = extractFamilyOrAlias(page.value, entry.config.metricName);
    const series = found.ok ? readSeries(found.value.family, entry.kind, entry.withBuckets) : found;
    if (!series.ok) {
      metrics.samples.inc({ outcome: series.problem.reason });
      entry.problems.set(url, { reason: series.problem.reason, detail: abbreviate(series.problem.message, 240) });
      return;
    }
    entry.problems.delete(url);
    if (found.ok && found.value.alias !== undefined) {
      if (entry.aliases.get(url) !== found.value.alias) {
        log.info(
          { url, metric: entry.config.metricName, alias: found.value.alias },
          `replica serves "${found.value.alias}" for "${entry.config.metricName}" (renamed in vLLM): reading it`,
        );
      }
      entry.aliases.set(url, found.value.alias);
    } else {
      entry.aliases.delete(url);
    }
    metrics.samples.inc({ outcome: 'ok' });
    const history = entry.histories.get(url) ?? [];
    history.push({ at, series: series.value.map((reading) => share(entry, reading)) });
    entry.histories.set(url, prune(history, at - entry.windowMs));
  };

  const startRound = (entry: Tracked): Promise<void> => {
    if (entry.inFlight !== undefined) return entry.inFlight;
    const started = Date.now();
    // The first round is a call's; the next ones come at a phase of their own within the
    // interval, so that keys created together (every ScaledObject polled at once after a
    // restart) do not all scrape at the same moment.
    entry.nextDue =
      entry.lastRoundAt === -Infinity
        ? started + intervalMs * (1 + phase(entry.key))
        : Math.max(entry.nextDue + intervalMs, started + intervalMs / 2);
    entry.lastRoundAt = started;
    const names = namesWithAlias(entry.config.metricName, (family) => filterNames(family, entry.withBuckets));
    // A round never runs into the next one.
    const deadline = started + intervalMs;
    const urls = entry.urls;
    for (const url of entry.histories.keys()) if (!urls.includes(url)) entry.histories.delete(url);
    for (const url of entry.problems.keys()) if (!urls.includes(url)) entry.problems.delete(url);
    const round = Promise.all(urls.map((url) => scrapeReplica(entry, url, names, deadline)))
      .then(() => undefined)
      .catch((error: unknown) => log.error({ err: error, key: entry.key }, 'sampling round failed'))
      .finally(() => {
        entry.inFlight = undefined;
      });
    entry.inFlight = round;
    return round;
  };

  const tick = () => {
    const now = Date.now();
    for (const entry of tracked.values()) {
      if (now - entry.lastAsked > idleMs) {
        tracked.delete(entry.key);
        metrics.dropped.inc({ reason: 'idle' });
        log.info({ key: entry.key }, 'sampling stopped: nobody asked for this metric for a while');
      } else if (entry.inFlight === undefined && now >= entry.nextDue) {
        void startRound(entry);
      }
    }
  };
  const timer = setInterval(tick, Math.min(intervalMs, 1000) / 2).unref();

  return {
    get size() {
      return tracked.size;
    },
    async read(config, urls, deadline) {
      if (closed) return fail('Cancelled', 'the sampler is closed');
      const aggregation = config.aggregation;
      if (aggregation !== 'windowed-avg' && aggregation !== 'percentile' && aggregation !== 'rate') {
        throw new Error(`aggregation ${aggregation} is not windowed`);
      }
      const kind: Kind = aggregation === 'rate' ? 'counter' : 'histogram';
      const key = JSON.stringify([
        config.inferenceSetNamespace,
        config.inferenceSetName,
        config.metricName,
        kind,
        config.metricProtocol,
        config.metricPort,
        config.metricPath,
        config.scrapeTimeoutMs,
      ]);
      const now = Date.now();
      let entry = tracked.get(key);
      if (entry === undefined) {
        if (tracked.size >= maxKeys) {
          metrics.dropped.inc({ reason: 'cap' });
          if (now - lastCapLog > 60_000) {
            lastCapLog = now;
            log.warn(
              { maxKeys, key },
              `the sampler tracks ${maxKeys} keys already (its cap): a new windowed metric is not sampled; raise --max-sampled-keys`,
            );
          }
          const explanation = `the sampler tracks ${maxKeys} keys already, its cap (raise --max-sampled-keys)`;
          return withoutReading(config, 'TooManyKeys', { coverage: 0, sampled: 0, resets: 0, explanation });
        }
        entry = {
          key,
          config,
          kind,
          urls,
          windowMs: config.windowMs,
          withBuckets: aggregation === 'percentile',
          lastAsked: now,
          lastRoundAt: -Infinity,
          nextDue: -Infinity,
          inFlight: undefined,
          histories: new Map(),
          seriesKeys: new Map(),
          layouts: new Map(),
          aliases: new Map(),
          problems: new Map(),
        };
        tracked.set(key, entry);
      }
      entry.lastAsked = now;
      entry.urls = [...new Set(urls)];
      entry.windowMs = Math.max(entry.windowMs, config.windowMs);
      if (aggregation === 'percentile' && !entry.withBuckets) entry.withBuckets = true;
      // A call joins a round in flight, and starts one when the history has none yet or the
      // sampler missed one (a round is at most two intervals apart otherwise).
      if (entry.inFlight !== undefined || now - entry.lastRoundAt >= 2 * intervalMs) {
        await within(startRound(entry), deadline - margin - Date.now());
      }
      const answer = answerWindow(
        { ...config, aggregation, intervalMs },
        urls.map((url) => entry.histories.get(url) ?? []),
        Date.now(),
      );
      if (answer.ok && answer.value.reason !== undefined) metrics.neutral.inc({ reason: answer.value.reason });
      return explained(config, urls, entry, answer);
    },
    close() {
      closed = true;
      clearInterval(timer);
      tracked.clear();
    },
  };
}

/**
 * The answer with what the last round saw: a family the aggregation cannot read on every
 * replica is the trigger's fault (a problem, not a warm-up that never ends); other
 * failures and an alias read are added to the explanation.
 */
function explained(config: TriggerConfig, urls: readonly string[], entry: Tracked, answer: Result<WindowAnswer>): Result<SampledAnswer> {
  const problems = urls.flatMap((url) => {
    const problem = entry.problems.get(url);
    return problem === undefined ? [] : [{ url, ...problem }];
  });
  const unreadable = problems.filter((problem) => problem.reason === 'UnsupportedMetricType');
  if (urls.length > 0 && unreadable.length === urls.length) {
    return fail('UnsupportedMetricType', `${unreadable[0]?.detail} (replica ${unreadable[0]?.url})`);
  }
  const notes: string[] = [];
  const alias = urls.map((url) => entry.aliases.get(url)).find((name) => name !== undefined);
  if (alias !== undefined) notes.push(`read "${alias}" (the other vLLM name of "${config.metricName}")`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).map((problem) => `${problem.url}: ${problem.reason} (${problem.detail})`);
    notes.push(`last round: ${problems.length} of ${urls.length} replicas gave no sample: ${shown.join('; ')}`);
  }
  if (notes.length === 0) return answer;
  const suffix = `; ${notes.join('; ')}`;
  if (!answer.ok) return fail(answer.problem.reason, answer.problem.message + suffix);
  return ok({ ...answer.value, ...(alias !== undefined && { alias }), explanation: answer.value.explanation + suffix });
}

/** A fraction of the interval in [0, 1), the same for a key every time. */
function phase(key: string): number {
  let hash = 2166136261;
  for (let index = 0; index < key.length; index += 1) hash = Math.imul(hash ^ key.charCodeAt(index), 16777619);
  return (hash >>> 0) / 2 ** 32;
}

/** Keeps what the largest window reads: samples after `start`, and the newest at or before it. */
function prune(history: Snapshot[], start: number): Snapshot[] {
  let keepFrom = 0;
  for (let index = 0; index < history.length; index += 1) {
    if ((history[index] as Snapshot).at <= start) keepFrom = index;
    else break;
  }
  return keepFrom === 0 ? history : history.slice(keepFrom);
}

/** The reading with its label set and bucket bounds shared with earlier samples: a window holds many. */
function share(entry: Tracked, reading: SeriesReading): SeriesReading {
  // Label sets and layouts that never repeat (a misbehaving exporter) must not grow these for ever.
  if (entry.seriesKeys.size >= MAX_SHARED) entry.seriesKeys.clear();
  if (entry.layouts.size >= MAX_SHARED) entry.layouts.clear();
  let key = entry.seriesKeys.get(reading.key);
  if (key === undefined) {
    key = reading.key;
    entry.seriesKeys.set(key, key);
  }
  if (reading.buckets === undefined) return { ...reading, key };
  const layout = reading.buckets.bounds.join(' ');
  let bounds = entry.layouts.get(layout);
  if (bounds === undefined) {
    bounds = reading.buckets.bounds;
    entry.layouts.set(layout, bounds);
  }
  return { ...reading, key, buckets: { bounds, counts: reading.buckets.counts } };
}

function samplerMetrics(registry: Registry, size: () => number) {
  const registers = [registry];
  for (const name of [
    'kks_sampler_keys',
    'kks_sampler_samples_total',
    'kks_sampler_keys_dropped_total',
    'kks_sampler_neutral_answers_total',
  ]) {
    registry.removeSingleMetric(name);
  }
  new Gauge({
    name: 'kks_sampler_keys',
    help: 'Windowed metrics the sampler tracks now.',
    registers,
    collect() {
      this.set(size());
    },
  });
  return {
    samples: new Counter({
      name: 'kks_sampler_samples_total',
      help: 'Replica scrapes of the sampler, by outcome: ok, or why no sample was kept.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    dropped: new Counter({
      name: 'kks_sampler_keys_dropped_total',
      help: 'Windowed metrics dropped because nobody asked for them for 20 min (idle), and calls for a new one refused at the key cap (cap).',
      labelNames: ['reason'] as const,
      registers,
    }),
    neutral: new Counter({
      name: 'kks_sampler_neutral_answers_total',
      help: 'Windowed answers that gave the neutral value instead of a reading, by reason (WarmingUp, Stale, ...).',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}
