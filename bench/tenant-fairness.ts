import { createServer, type Server, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { createLogger } from '../lib/log.js';
import { sharesOf, type LimiterShares } from '../scaler/limiter.js';
import { createMeasurer, measurerDefaults, type Measurer } from '../scaler/measure.js';
import { parseTriggerMetadata, type TriggerConfig } from '../scaler/metadata.js';
import { startFarm } from './support/replica-farm.js';
import { repoPath } from './support/processes.js';
import { atMost, median, percentile, summary, table } from './support/report.js';
import { METRIC } from './support/rounds.js';

/**
 * A healthy tenant's GetMetrics latency (the real measurer, default cap) with and without
 * a hostile tenant in another namespace that keeps the scraper saturated: HOSTILE_CALLS
 * measurements at once, each for a metric of its own (so no round is shared), each over
 * HANGING replicas that accept the connection and never answer, with scrapeTimeout=60s.
 * The healthy tenant has HEALTHY replicas answering a filtered vLLM page DELAY_MS late, and
 * calls one GetMetrics after the other.
 *
 * Blocks alternate: CALLS healthy calls alone, then CALLS with the hostile tenant running,
 * so that both are measured a second apart. The ratio compares the p99 of all the calls of
 * each kind, pooled over the blocks: a block's own p99 would be one of its two slowest calls,
 * which on a shared machine says more about the neighbours than about the scaler. Baseline B
 * is the same hostile load under a first-come cap (every tenant may take every slot),
 * reported for contrast.
 *
 * Target: the healthy tenant's p99 with the hostile one <= 1.5x its p99 alone, and no
 * healthy call failing.
 */
const DELAY_MS = 5;
const HEALTHY = 4;
const HANGING = 8;
const HOSTILE_CALLS = 200;
const CALLS = 100;
const BLOCKS = 12;
/** Each fails only at its deadline, so few. */
const BASELINE_CALLS = 3;
const DEADLINE_MS = 3000;

const silent = createLogger({ level: 'silent', format: 'json' });

function trigger(namespace: string, name: string, metricName: string, scrapeTimeout: string): TriggerConfig {
  const config = parseTriggerMetadata({
    inferenceSetName: name,
    inferenceSetNamespace: namespace,
    metricName,
    threshold: '10',
    scrapeTimeout,
  });
  if (!config.ok) throw new Error(config.problem.message);
  return config.value;
}

/** Replicas that accept a connection, read the request and never answer. */
async function startHanging(count: number): Promise<{ urls: string[]; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const urls: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    urls.push(`http://127.0.0.1:${address.port}/metrics`);
    servers.push(server);
  }
  return {
    urls,
    connections: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** Waits until the hostile tenant's connections of the last block are gone. */
async function drained(hanging: { connections(): number }): Promise<void> {
  const end = Date.now() + 10_000;
  while (hanging.connections() > 0) {
    if (Date.now() > end) throw new Error(`${hanging.connections()} connections to the hanging replicas still open after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Run {
  /** Latency of every healthy call that answered, ms. */
  readonly latencies: number[];
  readonly failures: number;
  readonly failure?: string;
}

/**
 * `calls` healthy calls one after the other; with `hostile`, started once the hostile tenant
 * holds `saturated()` slots (the steady state, not its first burst of connections).
 */
async function healthyCalls(
  measurer: Measurer,
  healthyUrls: readonly string[],
  calls: number,
  hostile?: { readonly start: () => void; readonly saturated: () => boolean },
): Promise<Run> {
  const config = trigger('tenant-healthy', 'healthy', METRIC, '3s');
  if (hostile) {
    hostile.start();
    const end = Date.now() + 10_000;
    while (!hostile.saturated()) {
      if (Date.now() > end) throw new Error('the hostile tenant did not take its slots within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  const latencies: number[] = [];
  let failures = 0;
  let failure: string | undefined;
  for (let index = 0; index < calls; index += 1) {
    const started = performance.now();
    const result = await measurer.measure(config, healthyUrls, Date.now() + DEADLINE_MS);
    const missing = result.ok ? result.value.outcomes.filter((outcome) => 'missing' in outcome) : [];
    if (!result.ok || missing.length > 0) {
      failures += 1;
      failure ??= result.ok ? JSON.stringify(missing[0]) : result.problem.message;
    } else {
      latencies.push(performance.now() - started);
    }
  }
  return { latencies, failures, ...(failure && { failure }) };
}

/** A measurer with the given shares, and the hostile tenant's calls on it. */
function design(shares: LimiterShares, hanging: { readonly urls: readonly string[]; connections(): number }) {
  const measurer = createMeasurer({ registry: new Registry(), log: silent, shares });
  const hostile = {
    start() {
      for (let index = 0; index < HOSTILE_CALLS; index += 1) {
        const config = trigger('tenant-hostile', 'hostile', `hostile_metric_${index}`, '60s');
        void measurer.measure(config, hanging.urls, Date.now() + 60_000);
      }
    },
    // Every slot it may hold is connected to a replica that never answers.
    saturated: () => hanging.connections() >= shares.perKey,
  };
  return { measurer, hostile };
}

async function main(): Promise<void> {
  const farm = await startFarm({
    count: HEALTHY,
    delayMs: DELAY_MS,
    filter: true,
    page: repoPath('test/fixtures/vllm-metrics/vllm-v1-after-traffic.txt'),
  });
  const hanging = await startHanging(HANGING);
  const max = measurerDefaults.maxConcurrency;
  const fair = sharesOf(max);
  const alone: number[][] = [];
  const withHostile: number[][] = [];
  let failuresWith = 0;
  let firstFailure: string | undefined;
  let baseline: Run;
  try {
    // Warm-up: connections to the healthy replicas, JIT.
    const warm = design(fair, hanging);
    await healthyCalls(warm.measurer, farm.urls, CALLS);
    warm.measurer.close();
    for (let block = 0; block < BLOCKS; block += 1) {
      const quiet = design(fair, hanging);
      alone.push((await healthyCalls(quiet.measurer, farm.urls, CALLS)).latencies);
      quiet.measurer.close();
      const busy = design(fair, hanging);
      const run = await healthyCalls(busy.measurer, farm.urls, CALLS, busy.hostile);
      busy.measurer.close();
      await drained(hanging);
      withHostile.push(run.latencies);
      failuresWith += run.failures;
      firstFailure ??= run.failure;
    }
    const unfair = design({ max, perGroup: max, perKey: max }, hanging);
    baseline = await healthyCalls(unfair.measurer, farm.urls, BASELINE_CALLS, unfair.hostile);
    unfair.measurer.close();
  } finally {
    await hanging.close();
    await farm.close();
  }

  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  const p99 = (values: readonly number[]) => percentile(sorted(values), 99);
  const pooledAlone = alone.flat();
  const pooledWith = withHostile.flat();
  const p50s = (runs: readonly number[][]) => runs.map((latencies) => percentile(sorted(latencies), 50));
  table(
    `tenant-fairness: healthy tenant (${HEALTHY} replicas, ${DELAY_MS} ms late), ${CALLS} calls per block, ${BLOCKS} blocks; ` +
      `hostile tenant: ${HOSTILE_CALLS} calls at once over ${HANGING} replicas that never answer; caps ${fair.max}/${fair.perGroup}/${fair.perKey}`,
    [
      { healthy: 'alone', 'p50 ms': percentile(sorted(pooledAlone), 50), 'p99 ms': p99(pooledAlone), failed: 0 },
      {
        healthy: 'with hostile (fair shares)',
        'p50 ms': percentile(sorted(pooledWith), 50),
        'p99 ms': p99(pooledWith),
        failed: failuresWith,
      },
      {
        healthy: 'baseline B: with hostile, first-come cap',
        'p50 ms': percentile(sorted(baseline.latencies), 50),
        'p99 ms': p99(baseline.latencies),
        failed: `${baseline.failures} of ${BASELINE_CALLS}`,
      },
    ],
  );
  if (firstFailure) console.log(`first failed healthy call with the hostile tenant: ${firstFailure}`);
  table(
    'tenant-fairness: p50 per block, ms',
    alone.map((_, block) => ({ block: block + 1, alone: p50s(alone)[block] ?? NaN, 'with hostile': p50s(withHostile)[block] ?? NaN })),
  );
  summary(
    'tenant-fairness',
    atMost(
      `healthy tenant's p99 with a hostile tenant / alone (${pooledAlone.length} calls each)`,
      p99(pooledWith) / p99(pooledAlone),
      1.5,
    ),
    [
      atMost('healthy p50 with a hostile tenant / alone (median over blocks)', median(p50s(withHostile)) / median(p50s(alone)), 1.2),
      atMost('healthy calls failed with the hostile tenant', failuresWith, 0),
    ],
  );
}

await main();
