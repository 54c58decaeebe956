import { startFarm, type Farm } from './support/replica-farm.js';
import { repoPath } from './support/processes.js';
import { atLeast, median, spread, summary, table, type Row } from './support/report.js';
import { measurerDesign, METRIC, segment, type Segment } from './support/rounds.js';

/**
 * The scrape round of scrape-round, against replicas that honour `?name[]=` the way vLLM's
 * prometheus_client does (only the samples asked for, under their family's HELP and TYPE
 * lines), and, in the same run, against replicas that ignore it: bytes the scraper reads
 * per round (status lines and headers included, counted by the replicas' process), CPU and
 * wall time per round. Segments of the two alternate, so that both see the same machine.
 *
 * Target: >= 50x fewer bytes per round than unfiltered (N=100).
 */
const DELAY_MS = 20;
const PAGE = 'test/fixtures/vllm-metrics/vllm-v1-after-traffic.txt';
const PLAN = [
  { n: 10, blocks: 3, rounds: 20 },
  { n: 100, blocks: 3, rounds: 20 },
  { n: 500, blocks: 2, rounds: 5 },
] as const;

interface Block {
  readonly whole: Segment;
  readonly filtered: Segment;
}

async function main(): Promise<void> {
  const farms: Farm[] = [];
  const results: Array<{ n: number; blocks: Block[] }> = [];
  try {
    const whole = await startFarm({ count: 500, delayMs: DELAY_MS, filter: false, page: repoPath(PAGE) });
    farms.push(whole);
    const filtering = await startFarm({ count: 500, delayMs: DELAY_MS, filter: true, page: repoPath(PAGE) });
    farms.push(filtering);
    for (const { n, blocks: count, rounds } of PLAN) {
      const wholeDesign = measurerDesign(whole.urls.slice(0, n));
      const filteredDesign = measurerDesign(filtering.urls.slice(0, n));
      const blocks: Block[] = [];
      try {
        for (let index = 0; index < count; index += 1) {
          const block = {
            whole: await segment(wholeDesign, rounds, { warmups: 5, farm: whole }),
            filtered: await segment(filteredDesign, rounds, { warmups: 5, farm: filtering }),
          };
          if (block.whole.value !== block.filtered.value)
            throw new Error(`N=${n}: ${block.whole.value} from whole pages, ${block.filtered.value} from filtered ones`);
          blocks.push(block);
        }
      } finally {
        wholeDesign.close();
        filteredDesign.close();
      }
      results.push({ n, blocks });
    }
  } finally {
    await Promise.all(farms.map((farm) => farm.close()));
  }

  const pick = (blocks: readonly Block[], which: keyof Block, field: 'wirePerRound' | 'bodyPerRound' | 'cpuMsPerRound') =>
    blocks.map((block) => block[which][field]);
  const walls = (blocks: readonly Block[], which: keyof Block) => blocks.map((block) => median(block[which].wallMs));
  table(
    `filtered-scrape: measurer rounds over N replicas ${DELAY_MS} ms late, metric ${METRIC} (name[] asks for it, _sum, _count, _total); median (min-max) over blocks`,
    results.flatMap(({ n, blocks }): Row[] =>
      (['whole', 'filtered'] as const).map((which) => ({
        replicas: which === 'whole' ? 'ignore name[]' : 'honour name[]',
        N: n,
        'bytes read/round': median(pick(blocks, which, 'wirePerRound')),
        'body bytes/replica': median(pick(blocks, which, 'bodyPerRound')) / n,
        'cpu ms/round': spread(pick(blocks, which, 'cpuMsPerRound')),
        'cpu us/replica': (median(pick(blocks, which, 'cpuMsPerRound')) * 1000) / n,
        'wall ms': spread(walls(blocks, which)),
      })),
    ),
  );
  table(
    'filtered-scrape: ignoring / honouring name[], per block, median (min-max)',
    results.map(({ n, blocks }) => ({
      N: n,
      'bytes read': spread(blocks.map((block) => block.whole.wirePerRound / block.filtered.wirePerRound)),
      'body bytes': spread(blocks.map((block) => block.whole.bodyPerRound / block.filtered.bodyPerRound)),
      cpu: spread(blocks.map((block) => block.whole.cpuMsPerRound / block.filtered.cpuMsPerRound)),
    })),
  );
  const at100 = results.find((entry) => entry.n === 100)?.blocks ?? [];
  summary(
    'filtered-scrape',
    atLeast(
      'bytes read per round, ignoring / honouring name[] (N=100)',
      median(at100.map((block) => block.whole.wirePerRound / block.filtered.wirePerRound)),
      50,
    ),
  );
}

await main();
