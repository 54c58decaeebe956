import { startFarm } from './support/replica-farm.js';
import { repoPath } from './support/processes.js';
import { atLeast, atMost, median, spread, summary, table, type Row } from './support/report.js';
import { measurerDesign, METRIC, naiveDesign, segment } from './support/rounds.js';

/**
 * One GetMetrics' scrape round (the real measurer: parallel under one InferenceSet's default share of 64,
 * one family scanned out of each page) over N replicas that ignore `name[]` and send the
 * whole 52 KB vLLM page 20 ms late, against baseline A: the naive design, one replica after
 * the other, each page parsed whole with parse-prometheus-text-format. Wall time and this
 * process's CPU per round; the replicas run in another process, so their CPU is not
 * counted.
 *
 * Each N runs in blocks: measurer rounds over N replicas, measurer rounds over one replica
 * (one replica's latency), then baseline A, so that every ratio compares measurements
 * taken a few seconds apart. Ratios are per block; the summary takes their median.
 *
 * Targets: wall(N=100) <= 3x one replica's latency, so >= 30x faster than baseline A; CPU
 * per round (N=100) >= 5x lower than baseline A.
 */
const DELAY_MS = 20;
const PLAN = [
  { n: 10, blocks: 5, rounds: 30 },
  { n: 100, blocks: 5, rounds: 30 },
  { n: 500, blocks: 2, rounds: 10 },
] as const;
const WARMUPS = 5;

interface Block {
  readonly oursWallMs: number;
  readonly oneWallMs: number;
  readonly naiveWallMs: number;
  readonly oursCpuMs: number;
  readonly naiveCpuMs: number;
  readonly bodyPerRound: number;
}

async function main(): Promise<void> {
  const farm = await startFarm({
    count: 500,
    delayMs: DELAY_MS,
    filter: false,
    page: repoPath('test/fixtures/vllm-metrics/vllm-v1-after-traffic.txt'),
  });
  const results: Array<{ n: number; rounds: number; blocks: Block[] }> = [];
  try {
    for (const { n, blocks: count, rounds } of PLAN) {
      const urls = farm.urls.slice(0, n);
      const ours = measurerDesign(urls);
      const one = measurerDesign(urls.slice(0, 1));
      const naive = naiveDesign(urls);
      const blocks: Block[] = [];
      try {
        for (let index = 0; index < count; index += 1) {
          const o = await segment(ours, rounds, { warmups: WARMUPS, farm });
          const s = await segment(one, rounds, { warmups: WARMUPS, farm });
          const a = await segment(naive, 1, { farm });
          if (o.value !== a.value) throw new Error(`N=${n}: the measurer answered ${o.value}, baseline A ${a.value}`);
          blocks.push({
            oursWallMs: median(o.wallMs),
            oneWallMs: median(s.wallMs),
            naiveWallMs: median(a.wallMs),
            oursCpuMs: o.cpuMsPerRound,
            naiveCpuMs: a.cpuMsPerRound,
            bodyPerRound: o.bodyPerRound,
          });
        }
      } finally {
        ours.close();
        one.close();
        naive.close();
      }
      results.push({ n, rounds, blocks });
    }
  } finally {
    await farm.close();
  }

  const values = (blocks: readonly Block[], pick: (block: Block) => number) => blocks.map(pick);
  table(
    `scrape-round: N replicas sending the whole vLLM page (${(farm.pageBytes / 1024).toFixed(1)} KB, ignoring name[]) ${DELAY_MS} ms late, metric ${METRIC}; median (min-max) over blocks`,
    results.flatMap(({ n, rounds, blocks }): Row[] => [
      {
        design: 'measurer (cap 64)',
        N: n,
        'rounds/block': rounds,
        'wall ms': spread(values(blocks, (b) => b.oursWallMs)),
        'one replica ms': spread(values(blocks, (b) => b.oneWallMs)),
        'cpu ms/round': spread(values(blocks, (b) => b.oursCpuMs)),
        'cpu us/replica': (median(values(blocks, (b) => b.oursCpuMs)) * 1000) / n,
        'KB read/round': median(values(blocks, (b) => b.bodyPerRound)) / 1024,
      },
      {
        design: 'baseline A: sequential, full parse',
        N: n,
        'rounds/block': 1,
        'wall ms': spread(values(blocks, (b) => b.naiveWallMs)),
        'one replica ms': '',
        'cpu ms/round': spread(values(blocks, (b) => b.naiveCpuMs)),
        'cpu us/replica': (median(values(blocks, (b) => b.naiveCpuMs)) * 1000) / n,
        'KB read/round': '',
      },
    ]),
  );
  table(
    'scrape-round: ratios per block, median (min-max)',
    results.map(({ n, blocks }) => ({
      N: n,
      blocks: blocks.length,
      'measurer wall / one replica': spread(values(blocks, (b) => b.oursWallMs / b.oneWallMs)),
      'wall: baseline A / measurer': spread(values(blocks, (b) => b.naiveWallMs / b.oursWallMs)),
      'cpu: baseline A / measurer': spread(values(blocks, (b) => b.naiveCpuMs / b.oursCpuMs)),
    })),
  );

  const at100 = results.find((entry) => entry.n === 100)?.blocks ?? [];
  summary(
    'scrape-round',
    atLeast('wall per round, baseline A / measurer (N=100)', median(values(at100, (b) => b.naiveWallMs / b.oursWallMs)), 30),
    [
      atMost("wall per round (N=100) / one replica's latency", median(values(at100, (b) => b.oursWallMs / b.oneWallMs)), 3),
      atLeast('CPU per round, baseline A / measurer (N=100)', median(values(at100, (b) => b.naiveCpuMs / b.oursCpuMs)), 5),
    ],
  );
}

await main();
