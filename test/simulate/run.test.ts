import { shapeLoad } from '../../simulate/load.js';
import type { Policy } from '../../simulate/policy.js';
import { parseRecording } from '../../simulate/replay.js';
import { checkSource, simulatePolicy, weightedPercentile, type Scenario } from '../../simulate/run.js';
import { examplePolicy, policy } from './support.js';

const step = shapeLoad('step', 14); // 3.5 replicas' worth at 4 requests/s each
const scenario: Scenario = {
  source: { kind: 'load', load: step },
  duration: step.duration,
  syncSeconds: 15,
  pool: { capacity: 4, concurrency: 32, startupSeconds: 360, failuresPerHour: 0 },
  sloSeconds: 10,
  seed: 1,
};

const conservative = policy('conservative', { 'scaledobject.kaito.sh/max-replicas': '6' });
/** examples/policies/faster.yaml: the same trigger, up to 2 Pods a minute up, no scale-up window. */
const faster = examplePolicy('examples/policies/faster.yaml');

describe('closed loop under --load step', () => {
  const slow = simulatePolicy(conservative, scenario);
  const fast = simulatePolicy(faster, scenario);
  const at = (rows: typeof slow.rows, t: number) => rows.find((row) => row.t === t)!;

  it('the conservative policy lags the step: one replica per 300 s, each serving 6 min later', () => {
    // The step comes at 30 min; 4 replicas serve the load (14 requests/s at 4 each).
    const enough = slow.rows.find((row) => row.t > 1800 && row.ready >= 4)!;
    expect(enough.t).toBeGreaterThan(1800 + 2 * 300 + 360);
    const upTimes = slow.rows.filter((row, index) => index > 0 && row.replicas > slow.rows[index - 1]!.replicas).map((row) => row.t);
    for (const [index, t] of upTimes.slice(1).entries()) expect(t - upTimes[index]!).toBeGreaterThanOrEqual(300);
    expect(slow.summary.secondsOverTarget).toBeGreaterThan(3600);
    expect(at(slow.rows, 1800 + 900).queueSeconds).toBeGreaterThan(scenario.sloSeconds);
  });

  it('a faster policy spends less time over target and more GPU-hours', () => {
    expect(fast.summary.secondsOverTarget).toBeLessThan(slow.summary.secondsOverTarget);
    expect(fast.summary.gpuHours).toBeGreaterThan(slow.summary.gpuHours);
    expect(fast.summary.p95QueueSeconds!).toBeLessThan(slow.summary.p95QueueSeconds!);
  });

  it('feeds starting replicas to the scaler as missing samples, which its fallback counts at the threshold', () => {
    // Syncs with replicas still starting (and no scale at that sync, so the row's queues are
    // the ones measured): the answer is the scaler's sum over the serving replicas, with
    // each starting one counted at θ = 10 while the serving ones are below target.
    const starting = slow.rows.filter(
      (row, index) => row.replicas > row.ready && row.ready > 0 && slow.rows[index - 1]?.replicas === row.replicas,
    );
    const belowTarget = starting.filter((row) => row.waiting / row.ready < 10);
    expect(belowTarget.length).toBeGreaterThan(0);
    for (const row of starting) {
      const sum = row.waiting;
      const expected = Math.max(sum, Math.min(sum + 10 * (row.replicas - row.ready), 10 * row.replicas));
      expect(row.value).toBeCloseTo(expected, 6);
    }
  });

  it('keeps replicas within the bounds and reports one row per sync', () => {
    expect(slow.rows).toHaveLength(step.duration / 15);
    expect(Math.max(...slow.rows.map((row) => row.replicas))).toBe(slow.summary.maxReplicas);
    expect(slow.summary.maxReplicas).toBeLessThanOrEqual(6);
    expect(slow.summary.scaleUps).toBeGreaterThan(0);
  });
});

describe('random replica failures', () => {
  const failing: Scenario = { ...scenario, pool: { ...scenario.pool, failuresPerHour: 0.5 } };
  it('are reproducible with a seed, and differ with another', () => {
    const a = simulatePolicy(conservative, failing);
    const b = simulatePolicy(conservative, failing);
    const c = simulatePolicy(conservative, { ...failing, seed: 2 });
    expect(a.summary.failures).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c.rows).not.toEqual(a.rows);
  });
});

describe('open loop: --replay', () => {
  const line = (second: number, values: Array<number | string>) =>
    JSON.stringify({
      time: new Date(Date.UTC(2026, 2, 3, 10, 0, second)).toISOString(),
      namespace: 'default',
      inferenceSet: 'phi-4',
      metric: 'vllm:num_requests_waiting',
      aggregation: 'sum',
      threshold: 10,
      replicas: values.map((value, index) =>
        typeof value === 'number' ? { url: `http://r${index}/metrics`, value } : { url: `http://r${index}/metrics`, reason: value },
      ),
    });
  const text = [line(0, [35]), line(15, [35]), line(30, ['Timeout']), line(45, [5]), line(59, [5])].join('\n');
  const recording = parseRecording(text, 'day.jsonl');
  if (!recording.ok) throw new Error(recording.problem.message);
  const replay: Scenario = { ...scenario, source: { kind: 'replay', ...recording.value }, duration: 60 };

  it('replays the recorded values through the aggregation into the HPA; a failed measurement holds', () => {
    const fast: Policy = {
      ...conservative,
      hpa: { ...conservative.hpa, scaleUp: { ...conservative.hpa.scaleUp, stabilizationWindowSeconds: 0 } },
    };
    const run = simulatePolicy(fast, replay);
    expect(run.rows.map((row) => [row.t, row.value, row.aim, row.replicas, row.reason])).toEqual([
      [0, 35, 4, 2, 'ScaleUpLimit'],
      [15, 35, 4, 2, 'ScaleUpLimit'],
      [30, undefined, undefined, 2, 'NoSamples'],
      [45, 5, 1, 2, 'ScaleDownStabilized'], // 5 / (10 · 2) is below 1 − 0.5: aim 1, held by the 300 s window
    ]);
    expect(run.summary.p95QueueSeconds).toBeNull();
  });

  it('replays only the measurements of the policy metric, and refuses a metric never recorded', () => {
    const other = line(30, [1000]).replace('vllm:num_requests_waiting', 'vllm:num_requests_running');
    const mixed = parseRecording([text, other].join('\n'), 'day.jsonl');
    if (!mixed.ok) throw new Error(mixed.problem.message);
    const scenario: Scenario = { ...replay, source: { kind: 'replay', ...mixed.value } };
    expect(simulatePolicy(conservative, scenario).rows).toEqual(simulatePolicy(conservative, replay).rows);
    const unrecorded = checkSource(policy('cache', { 'scaledobject.kaito.sh/metricName': 'vllm:kv_cache_usage_perc' }), replay.source);
    expect(unrecorded).toEqual({
      ok: false,
      problem: {
        reason: 'UnrecordedMetric',
        message: 'policy cache scales on vllm:kv_cache_usage_perc; the recording of default/phi-4 holds vllm:num_requests_waiting',
      },
    });
  });

  it('holds when nothing was recorded lately', () => {
    const gap: Scenario = { ...replay, duration: 150 };
    expect(simulatePolicy(conservative, gap).rows.at(-1)?.reason).toBe('NoRecording');
  });
});

describe('checkSource: a load produces waiting and running requests only', () => {
  it.each<[string, boolean]>([
    ['vllm:num_requests_waiting', true],
    ['vllm:num_requests_running', true],
    ['vllm:kv_cache_usage_perc', false],
  ])('%s -> %p', (metricName, modelled) => {
    const result = checkSource(policy('p', { 'scaledobject.kaito.sh/metricName': metricName }), scenario.source);
    expect(result.ok || result.problem.reason).toBe(modelled ? true : 'UnmodelledMetric');
  });
});

describe('weightedPercentile', () => {
  it.each<[number[], number[], number, number | null]>([
    [[1, 2, 3, 4], [1, 1, 1, 1], 0.5, 2],
    [[1, 2, 3, 4], [1, 1, 1, 1], 0.95, 4],
    [[5, 100], [99, 1], 0.95, 5],
    [[5, 100], [90, 10], 0.95, 100],
    [[1, 2], [0, 0], 0.95, null],
  ])('%p weighted %p at %p -> %p', (values, weights, p, expected) => {
    expect(weightedPercentile(Float64Array.from(values), Float64Array.from(weights), values.length, p)).toBe(expected);
  });
});
