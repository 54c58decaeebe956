import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { createLogger } from '../lib/log.js';
import { extractFamilyOrAlias, namesWithAlias } from '../scaler/aliases.js';
import { filterNames } from '../scaler/extract.js';
import { createLimiter } from '../scaler/limiter.js';
import { parseTriggerMetadata, type TriggerConfig } from '../scaler/metadata.js';
import { createSampler } from '../scaler/sampler.js';
import { createScraper, filteredUrl } from '../scaler/scrape.js';
import { readSeries } from '../scaler/series.js';
import { ownCpuMs, repoPath } from './support/processes.js';
import { startFarm } from './support/replica-farm.js';
import { atMost, formatNumber, summary, table } from './support/report.js';

/**
 * The sampler at scale: 2,000 tracked keys (500 InferenceSets x 4 histogram families, one of
 * them read as a percentile, so with buckets) x 4 replicas each, served by a farm in another
 * process that filters by `name[]` as prometheus_client does, from the realistic vLLM page.
 * The real sampler, limiter (cap 64) and scraper, as the scaler runs them.
 *
 * The defaults: a 15 s interval and 300 s windows (21 samples each), so the run takes about six
 * minutes; every sample opens a new connection, as in a cluster (idle sockets close after 4 s,
 * before vLLM's server would close them).
 *
 * Baseline, in the same run: a bare `node:http` GET of the same filtered page on a new
 * connection (agent: false), body read and dropped; its CPU per GET, measured before and after
 * the sampler's run. Headline: the sampler's CPU per sampled replica / the baseline's, target
 * <= 2. Check: RSS with every window full <= 300 MB (10^6 bytes).
 */
const SETS = 500;
const REPLICAS = 4;
const FAMILIES = [
  ['vllm:request_queue_time_seconds', 'windowed-avg'],
  ['vllm:e2e_request_latency_seconds', 'windowed-avg'],
  ['vllm:inter_token_latency_seconds', 'windowed-avg'],
  ['vllm:time_to_first_token_seconds', 'percentile'],
] as const;
const INTERVAL_MS = 15_000;
const WINDOW_S = 300;
const BASELINE_GETS = 4000;
const BASELINE_CONCURRENCY = 64;
const RSS_LIMIT = 300e6;

function config(set: number, family: string, aggregation: string): TriggerConfig {
  const parsed = parseTriggerMetadata({
    inferenceSetName: `model-${set}`,
    inferenceSetNamespace: 'bench',
    metricName: family,
    aggregation,
    metricCacheWindow: String(WINDOW_S),
    upThreshold: '2',
    downThreshold: '1',
    ...(aggregation === 'percentile' && { quantile: '0.9' }),
  });
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
}

/** CPU ms per bare GET on a new connection, `count` of them, `concurrency` at a time. */
async function bareGets(urls: readonly string[], count: number): Promise<number> {
  const get = (url: string) =>
    new Promise<void>((resolve, reject) => {
      request(url, { agent: false }, (response) => {
        response.on('data', () => {});
        response.on('end', resolve);
        response.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
  let next = 0;
  const before = ownCpuMs();
  await Promise.all(
    Array.from({ length: BASELINE_CONCURRENCY }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await get(urls[index % urls.length] as string);
      }
    }),
  );
  return (ownCpuMs() - before) / count;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const farm = await startFarm({
    count: SETS * REPLICAS,
    delayMs: 5,
    filter: true,
    page: repoPath('test/fixtures/vllm-metrics/vllm-v1-after-traffic.txt'),
  });
  const replicasOf = (set: number) => farm.urls.slice(set * REPLICAS, (set + 1) * REPLICAS);
  const keys = Array.from({ length: SETS }, (_, set) =>
    FAMILIES.map(([family, aggregation]) => ({ set, config: config(set, family, aggregation) })),
  ).flat();
  // The baseline asks for what the sampler asks for: each family's filtered page.
  const baselineUrls = keys.map(({ set, config: trigger }) =>
    filteredUrl(
      replicasOf(set)[0] as string,
      namesWithAlias(trigger.metricName, (family) => filterNames(family, trigger.aggregation === 'percentile')),
    ),
  );

  const registry = new Registry();
  const scraper = createScraper({ maxBodyBytes: 1 << 20, idleSocketMs: 4000 });
  try {
    const baselineBefore = await bareGets(baselineUrls, BASELINE_GETS);
    const rssBefore = process.memoryUsage().rss;

    const sampler = createSampler({
      intervalMs: INTERVAL_MS,
      maxKeys: keys.length,
      limiter: createLimiter(64),
      scraper,
      registry,
      log: createLogger({ level: 'silent', format: 'json' }),
    });
    const started = Date.now();
    // Every key asked once: tracked from then on, sampled every interval without further calls.
    await Promise.all(keys.map(({ set, config: trigger }) => sampler.read(trigger, replicasOf(set), Date.now() + 60_000)));
    const samples = async () => (await registry.getSingleMetric('kks_sampler_samples_total')?.get())?.values ?? [];
    const okSamples = async () =>
      (await samples()).filter((value) => value.labels['outcome'] === 'ok').reduce((total, value) => total + value.value, 0);

    // Steady state: from the third interval until the windows are full.
    await sleep(2 * INTERVAL_MS - (Date.now() - started));
    const cpuAt = ownCpuMs();
    const samplesAt = await okSamples();
    const steadyFrom = Date.now();
    await sleep(WINDOW_S * 1000 + 2 * INTERVAL_MS - (Date.now() - started));
    const cpuMs = ownCpuMs() - cpuAt;
    const scraped = (await okSamples()) - samplesAt;
    const steadySeconds = (Date.now() - steadyFrom) / 1000;
    const failed = (await samples()).filter((value) => value.labels['outcome'] !== 'ok').reduce((total, value) => total + value.value, 0);
    const memory = process.memoryUsage();
    const rss = memory.rss;
    const heap = memory.heapUsed;
    // What is alive, for the note: a serving scaler never collects by force.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const live = process.memoryUsage().heapUsed;

    // Every key answers from a full window, not a neutral value.
    const answers = await Promise.all(keys.map(({ set, config: trigger }) => sampler.read(trigger, replicasOf(set), Date.now() + 60_000)));
    const full = answers.filter((answer) => answer.ok && answer.value.reason === undefined && answer.value.coverage >= 0.8).length;
    sampler.close();

    const baselineAfter = await bareGets(baselineUrls, BASELINE_GETS);
    const baseline = (baselineBefore + baselineAfter) / 2;
    const perReplica = cpuMs / scraped;

    // What one sample costs beyond HTTP: finding the family and reading its series.
    const bodies = await Promise.all(
      FAMILIES.map(async ([family, aggregation]) => {
        const page = await scraper.fetch(
          filteredUrl(
            replicasOf(0)[0] as string,
            namesWithAlias(family, (name) => filterNames(name, aggregation === 'percentile')),
          ),
          3000,
        );
        if (!page.ok) throw new Error(page.problem.message);
        return { family, buckets: aggregation === 'percentile', body: page.value };
      }),
    );
    const PARSES = 20_000;
    const parseFrom = ownCpuMs();
    for (let index = 0; index < PARSES; index += 1) {
      const { family, buckets, body } = bodies[index % bodies.length] as (typeof bodies)[number];
      const found = extractFamilyOrAlias(body, family);
      if (!found.ok || !readSeries(found.value.family, 'histogram', buckets).ok) throw new Error(`${family}: not read`);
    }
    const parseMs = (ownCpuMs() - parseFrom) / PARSES;

    table(`sampler: ${keys.length} keys x ${REPLICAS} replicas, interval ${INTERVAL_MS / 1000} s, windows ${WINDOW_S} s`, [
      {
        measure: 'sampled replicas in the steady phase',
        value: scraped,
        note: `${formatNumber(scraped / steadySeconds)} per s over ${formatNumber(steadySeconds)} s; ${failed} without a sample`,
      },
      { measure: 'sampler CPU per sampled replica (ms)', value: perReplica, note: 'scrape on a new connection, extraction, history' },
      {
        measure: '  of which: find the family and read its series (ms)',
        value: parseMs,
        note: `${formatNumber((100 * parseMs) / perReplica)} %`,
      },
      {
        measure: 'bare node:http GET, new connection (ms CPU)',
        value: baseline,
        note: `before ${formatNumber(baselineBefore)}, after ${formatNumber(baselineAfter)}`,
      },
      { measure: 'keys answering from a full window', value: full, note: `of ${keys.length}` },
      {
        measure: 'RSS with every window full (MB)',
        value: rss / 1e6,
        note: `before the sampler ${formatNumber(rssBefore / 1e6)} MB; heap ${formatNumber(heap / 1e6)} of ${formatNumber(memory.heapTotal / 1e6)} MB used, ${formatNumber(live / 1e6)} MB alive; external ${formatNumber(memory.external / 1e6)} MB`,
      },
    ]);
    if (full !== keys.length) throw new Error(`${keys.length - full} keys did not answer from a full window`);
    summary('sampler', atMost('sampler CPU per sampled replica / bare GET on a new connection', perReplica / baseline, 2), [
      atMost('RSS with every window full (MB)', rss / 1e6, RSS_LIMIT / 1e6),
    ]);
  } finally {
    scraper.close();
    await farm.close();
  }
}

await main();
