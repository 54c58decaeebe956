import { nextRandom } from '../lib/random.js';
import { formatValue, type Family, type MetricType, type Sample } from './exposition.js';

/**
 * The metric families of a vLLM V1 server (one API server, `engines` engine cores) with the
 * names, help texts, labels and buckets vLLM registers, plus what its Python process and
 * KAITO's wrapper add. The state is plain data that `advance` moves forward; `families`
 * renders it. Deterministic for a given seed, so tests can rely on it.
 */
export interface VllmState {
  readonly model: string;
  readonly engines: number;
  readonly createdAt: number;
  waiting: number;
  running: number;
  readonly counters: Map<string, number>;
  readonly histograms: Map<string, HistogramState>;
  seed: number;
}

interface HistogramState {
  readonly buckets: readonly number[];
  readonly counts: number[];
  sum: number;
  count: number;
}

/** 1, 2, 5, 10, 20, 50, ... up to max: vLLM's token-count buckets. */
function oneTwoFive(max: number): number[] {
  const out: number[] = [];
  for (let scale = 1; scale <= max; scale *= 10) for (const m of [1, 2, 5]) if (m * scale <= max) out.push(m * scale);
  return out;
}

const MAX_MODEL_LEN = 131072;
const TOKENS = oneTwoFive(MAX_MODEL_LEN);
const REQUEST_LATENCY = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const TOKEN_LATENCY = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

const GAUGES: ReadonlyArray<[string, string]> = [
  ['vllm:num_requests_running', 'Number of requests in model execution batches.'],
  ['vllm:num_requests_waiting', 'Number of requests waiting to be processed.'],
];

const COUNTERS: ReadonlyArray<[string, string]> = [
  ['vllm:prefix_cache_queries', 'Prefix cache queries, in terms of number of queried tokens.'],
  ['vllm:prefix_cache_hits', 'Prefix cache hits, in terms of number of cached tokens.'],
  [
    'vllm:external_prefix_cache_queries',
    'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.',
  ],
  [
    'vllm:external_prefix_cache_hits',
    'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.',
  ],
  ['vllm:mm_cache_queries', 'Multi-modal cache queries, in terms of number of queried items.'],
  ['vllm:mm_cache_hits', 'Multi-modal cache hits, in terms of number of cached items.'],
  ['vllm:num_preemptions', 'Cumulative number of preemption from the engine.'],
  ['vllm:prompt_tokens', 'Number of prefill tokens processed.'],
  ['vllm:prompt_tokens_cached', 'Number of cached prompt tokens (local + external).'],
  ['vllm:generation_tokens', 'Number of generation tokens processed.'],
];

const HISTOGRAMS: ReadonlyArray<[string, string, readonly number[]]> = [
  ['vllm:request_prompt_tokens', 'Number of prefill tokens processed.', TOKENS],
  ['vllm:request_generation_tokens', 'Number of generation tokens processed.', TOKENS],
  [
    'vllm:iteration_tokens_total',
    'Histogram of number of tokens per engine_step.',
    [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
  ],
  ['vllm:request_max_num_generation_tokens', 'Histogram of maximum number of requested generation tokens.', TOKENS],
  ['vllm:request_params_n', 'Histogram of the n request parameter.', [1, 2, 5, 10, 20]],
  ['vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', TOKENS],
  [
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
  ],
  ['vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', TOKEN_LATENCY],
  ['vllm:request_time_per_output_token_seconds', 'Histogram of time_per_output_token_seconds per request.', TOKEN_LATENCY],
  ['vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY],
  ['vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', REQUEST_LATENCY],
  ['vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', REQUEST_LATENCY],
  ['vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', REQUEST_LATENCY],
  ['vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', REQUEST_LATENCY],
  ['vllm:request_prefill_kv_computed_tokens', 'Histogram of new KV tokens computed during prefill (excluding cached tokens).', TOKENS],
];

const FINISHED_REASONS = ['stop', 'length', 'abort', 'error'] as const;
const PROMPT_SOURCES = ['local_compute', 'local_cache_hit', 'external_kv_transfer'] as const;

export function createVllmState(options: { model?: string; engines?: number; now: number; seed?: number }): VllmState {
  const engines = options.engines ?? 1;
  const histograms = new Map<string, HistogramState>();
  for (const [name, , buckets] of HISTOGRAMS) {
    for (let engine = 0; engine < engines; engine++) {
      histograms.set(`${name}/${engine}`, { buckets, counts: buckets.map(() => 0).concat(0), sum: 0, count: 0 });
    }
  }
  return {
    model: options.model ?? 'phi-4-mini',
    engines,
    createdAt: options.now,
    waiting: 0,
    running: 0,
    counters: new Map(),
    histograms,
    seed: options.seed ?? 1,
  };
}

/** The next number of the state's deterministic sequence, so simulated pages are reproducible. */
function random(state: VllmState): number {
  const next = nextRandom(state.seed);
  state.seed = next.seed;
  return next.value;
}

/**
 * Moves the server forward by `seconds` at the given load: requests finish at a rate that
 * grows with the running batch, and each finished one lands in the counters and histograms.
 */
export function advance(state: VllmState, seconds: number, load: { waiting: number; running: number }): void {
  state.waiting = Math.max(0, Math.round(load.waiting));
  state.running = Math.max(0, Math.round(load.running));
  const finished = Math.round((state.running * seconds) / 8);
  for (let i = 0; i < finished; i++) {
    const engine = i % state.engines;
    const prompt = 200 + Math.floor(random(state) * 2000);
    const generated = 50 + Math.floor(random(state) * 500);
    const cached = Math.floor(prompt * random(state) * 0.6);
    const queue = (state.waiting / Math.max(1, state.running)) * 2 * random(state);
    const inference = generated * (0.02 + random(state) * 0.03);
    add(state, `vllm:prompt_tokens/${engine}`, prompt);
    add(state, `vllm:prompt_tokens_cached/${engine}`, cached);
    add(state, `vllm:generation_tokens/${engine}`, generated);
    add(state, `vllm:prefix_cache_queries/${engine}`, prompt);
    add(state, `vllm:prefix_cache_hits/${engine}`, cached);
    add(state, `vllm:prompt_tokens_by_source/${engine}/local_compute`, prompt - cached);
    add(state, `vllm:prompt_tokens_by_source/${engine}/local_cache_hit`, cached);
    add(state, `vllm:request_success/${engine}/${random(state) < 0.9 ? 'stop' : 'length'}`, 1);
    observe(state, 'vllm:request_prompt_tokens', engine, prompt);
    observe(state, 'vllm:request_generation_tokens', engine, generated);
    observe(state, 'vllm:request_max_num_generation_tokens', engine, 1024);
    observe(state, 'vllm:request_params_n', engine, 1);
    observe(state, 'vllm:request_params_max_tokens', engine, 1024);
    observe(state, 'vllm:request_prefill_kv_computed_tokens', engine, prompt - cached);
    observe(state, 'vllm:iteration_tokens_total', engine, 1 + Math.floor(random(state) * 512));
    observe(state, 'vllm:time_to_first_token_seconds', engine, queue + 0.05 + random(state) * 0.2);
    observe(state, 'vllm:inter_token_latency_seconds', engine, inference / generated);
    observe(state, 'vllm:request_time_per_output_token_seconds', engine, inference / generated);
    observe(state, 'vllm:request_queue_time_seconds', engine, queue);
    observe(state, 'vllm:request_prefill_time_seconds', engine, 0.05 + random(state) * 0.2);
    observe(state, 'vllm:request_decode_time_seconds', engine, inference);
    observe(state, 'vllm:request_inference_time_seconds', engine, inference + 0.1);
    observe(state, 'vllm:e2e_request_latency_seconds', engine, queue + inference + 0.1);
    add(state, 'http_requests_total', 1);
  }
}

function add(state: VllmState, key: string, amount: number): void {
  state.counters.set(key, (state.counters.get(key) ?? 0) + amount);
}

function observe(state: VllmState, name: string, engine: number, value: number): void {
  const histogram = state.histograms.get(`${name}/${engine}`);
  if (!histogram) return;
  const index = histogram.buckets.findIndex((bound) => value <= bound);
  const bucket = index < 0 ? histogram.buckets.length : index;
  histogram.counts[bucket] = (histogram.counts[bucket] ?? 0) + 1;
  histogram.sum += value;
  histogram.count += 1;
}

/** The page's families, in the order vLLM registers them. */
export function families(state: VllmState): Family[] {
  const out: Family[] = [];
  const engines = Array.from({ length: state.engines }, (_, engine) => engine);
  const base = (engine: number) => ({ engine: String(engine), model_name: state.model });
  const created = state.createdAt / 1000;
  const family = (name: string, help: string, type: MetricType, samples: Sample[]) => out.push({ name, help, type, samples });
  const withCreated = (
    name: string,
    stem: string,
    help: string,
    type: MetricType,
    samples: Sample[],
    labelSets: Array<Record<string, string>>,
  ) => {
    family(name, help, type, samples);
    family(
      `${stem}_created`,
      help,
      'gauge',
      labelSets.map((labels) => ({ name: `${stem}_created`, labels, value: created })),
    );
  };

  family('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', [
    { name: 'process_resident_memory_bytes', labels: {}, value: 2.4133632e9 },
  ]);
  family('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', [
    { name: 'process_start_time_seconds', labels: {}, value: created },
  ]);
  for (const [name, help] of GAUGES) {
    const value = name.endsWith('running') ? state.running : state.waiting;
    family(
      name,
      help,
      'gauge',
      engines.map((engine) => ({ name, labels: base(engine), value: share(value, engine, state.engines) })),
    );
  }
  family(
    'vllm:num_requests_waiting_by_reason',
    "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; 'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). Sum of all reasons equals vllm:num_requests_waiting.",
    'gauge',
    ['capacity', 'deferred'].flatMap((reason) =>
      engines.map((engine) => ({
        name: 'vllm:num_requests_waiting_by_reason',
        labels: { ...base(engine), reason },
        value: reason === 'capacity' ? share(state.waiting, engine, state.engines) : 0,
      })),
    ),
  );
  family(
    'vllm:engine_sleep_state',
    'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
    'gauge',
    ['awake', 'weights_offloaded', 'discard_all'].flatMap((sleep_state) =>
      engines.map((engine) => ({
        name: 'vllm:engine_sleep_state',
        labels: { ...base(engine), sleep_state },
        value: sleep_state === 'awake' ? 1 : 0,
      })),
    ),
  );
  family(
    'vllm:kv_cache_usage_perc',
    'KV-cache usage. 1 means 100 percent usage.',
    'gauge',
    engines.map((engine) => ({
      name: 'vllm:kv_cache_usage_perc',
      labels: base(engine),
      value: Math.min(1, (state.running + state.waiting) / 64),
    })),
  );
  for (const [stem, help] of COUNTERS) {
    const name = `${stem}_total`;
    withCreated(
      name,
      stem,
      help,
      'counter',
      engines.map((engine) => ({ name, labels: base(engine), value: state.counters.get(`${stem}/${engine}`) ?? 0 })),
      engines.map(base),
    );
  }
  const labelled = (stem: string, help: string, label: string, values: readonly string[]) => {
    const labelSets: Array<Record<string, string>> = values.flatMap((value) =>
      engines.map((engine) => ({ ...base(engine), [label]: value })),
    );
    const name = `${stem}_total`;
    withCreated(
      name,
      stem,
      help,
      'counter',
      labelSets.map((labels) => ({
        name,
        labels,
        value: state.counters.get(`${stem}/${labels['engine']}/${labels[label]}`) ?? 0,
      })),
      labelSets,
    );
  };
  labelled('vllm:prompt_tokens_by_source', 'Number of prompt tokens by source.', 'source', PROMPT_SOURCES);
  labelled('vllm:request_success', 'Count of successfully processed requests.', 'finished_reason', FINISHED_REASONS);
  for (const [name, help, buckets] of HISTOGRAMS) {
    const samples = engines.flatMap((engine) => histogramSamples(name, base(engine), buckets, state.histograms.get(`${name}/${engine}`)));
    withCreated(name, name, help, 'histogram', samples, engines.map(base));
  }
  family('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', 'gauge', [
    {
      name: 'vllm:cache_config_info',
      labels: {
        block_size: '16',
        cache_dtype: 'auto',
        enable_prefix_caching: 'True',
        engine: '0',
        gpu_memory_utilization: '0.84',
        num_gpu_blocks: '45315',
      },
      value: 1,
    },
  ]);
  family('kaito_ratelimit_rejected_total', 'Requests rejected with HTTP 429 by the KAITO queue-depth rate limit guard', 'counter', [
    { name: 'kaito_ratelimit_rejected_total', labels: {}, value: 0 },
  ]);
  withCreated(
    'http_requests_total',
    'http_requests',
    'Total number of requests by method, status and handler.',
    'counter',
    [
      {
        name: 'http_requests_total',
        labels: { handler: '/v1/chat/completions', method: 'POST', status: '2xx' },
        value: state.counters.get('http_requests_total') ?? 0,
      },
    ],
    [{ handler: '/v1/chat/completions', method: 'POST', status: '2xx' }],
  );
  return out;
}

/** Splits a server-wide count over engines the way a scheduler would, remainder first. */
function share(total: number, engine: number, engines: number): number {
  return Math.floor(total / engines) + (engine < total % engines ? 1 : 0);
}

function histogramSamples(
  name: string,
  labels: Record<string, string>,
  buckets: readonly number[],
  histogram: HistogramState | undefined,
): Sample[] {
  const counts = histogram?.counts ?? [];
  let cumulative = 0;
  const samples: Sample[] = buckets.map((bound, index) => {
    cumulative += counts[index] ?? 0;
    return { name: `${name}_bucket`, labels: { ...labels, le: formatValue(bound) }, value: cumulative };
  });
  cumulative += counts[buckets.length] ?? 0;
  samples.push({ name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
  samples.push({ name: `${name}_count`, labels, value: histogram?.count ?? 0 });
  samples.push({ name: `${name}_sum`, labels, value: histogram?.sum ?? 0 });
  return samples;
}
