import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../hooks/objects.js';
import { stringify } from 'yaml';
import { runJson } from './support/go.js';
import { inferenceSet, renderedScaledObject } from './support/rendered.js';

/**
 * KEDA's formula engine on the composite ScaledObjects the sync hook renders: validation and
 * compilation as KEDA's admission webhook and scale handler run them
 * (ValidateAndCompileScalingModifiers), evaluation through the code its metrics adapter runs
 * (modifiers.HandleScalingModifiers), with the expression library at the version KEDA pins.
 * Each policy is an annotated InferenceSet; the formula is the one the hook writes.
 */

interface FormulaSeen {
  readonly invalid?: string;
  readonly formula: string;
  readonly outputs: Array<{ value: number; error?: string }>;
}

interface Entry {
  readonly name: string;
  readonly type: 'gauge' | 'histogram' | 'counter';
  readonly upthreshold: number;
  readonly downthreshold: number;
  readonly aggregation?: string;
  readonly quantile?: number;
  readonly metriccachewindow?: number;
}

const rendered = (combine: string | undefined, metrics: readonly Entry[]) =>
  renderedScaledObject(
    inferenceSet('phi-4-mini', 'default', {
      'scaledobject.kaito.sh/max-replicas': '4',
      'scaledobject.kaito.sh/metrics': stringify(metrics),
      ...(combine !== undefined && { 'scaledobject.kaito.sh/combinepolicy': combine }),
    }),
  );

const evaluate = (scaledObject: KubeObject, inputs: ReadonlyArray<Record<string, number>>) =>
  runJson<FormulaSeen>('keda', ['formula'], { scaledObject, inputs });

const triggerNames = (scaledObject: KubeObject) =>
  (scaledObject.spec as { triggers: Array<{ name: string }> }).triggers.map((trigger) => trigger.name);

const WAITING: Entry = { name: 'vllm:num_requests_waiting', type: 'gauge', upthreshold: 10, downthreshold: 2 };
const QUEUE_TIME: Entry = { name: 'vllm:request_queue_time_seconds', type: 'histogram', upthreshold: 1.5, downthreshold: 0.5 };
const KV: Entry = { name: 'vllm:kv_cache_usage_perc', type: 'gauge', upthreshold: 0.8, downthreshold: 0.25 };
const TTFT_P95: Entry = {
  name: 'vllm:time_to_first_token_seconds',
  type: 'histogram',
  aggregation: 'percentile',
  quantile: 0.95,
  upthreshold: 2,
  downthreshold: 0.2,
  metriccachewindow: 60,
};
const TOKENS: Entry = { name: 'vllm:generation_tokens_total', type: 'counter', upthreshold: 2500, downthreshold: 100 };
const RUNNING_SUM: Entry = { name: 'vllm:num_requests_running', type: 'gauge', aggregation: 'sum', upthreshold: 64, downthreshold: 8 };
const E2E_LATENCY: Entry = {
  name: 'vllm:e2e_request_latency_seconds',
  type: 'histogram',
  upthreshold: 0.075,
  downthreshold: 0.005,
  metriccachewindow: 30,
};

/** Trigger values by the variable names of docs/composite.md: the family with `:` as `_`. */
const at = (values: Record<string, number>, gate = 1) => ({ ...values, readiness_gate: gate });

/**
 * One row per policy: its entries, the trigger names (formula variables) the hook must
 * derive, and inputs with the branch docs/composite.md promises: 2.0 up (gate open and
 * every signal above its up threshold for AND, any for OR), 0.5 down (every signal below
 * its down threshold, whatever the gate), 1.0 otherwise. The neutral value (up + down) / 2
 * a warming trigger answers must hold.
 */
const POLICIES = [
  {
    policy: "AND, two signals: upstream v0.6.2's own example",
    combine: undefined,
    metrics: [WAITING, QUEUE_TIME],
    variables: ['vllm_num_requests_waiting', 'vllm_request_queue_time_seconds'],
    cases: [
      { inputs: at({ vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 2 }), branch: 2 },
      { inputs: at({ vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 1 }), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 2 }, 0), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_request_queue_time_seconds: 0.25 }), branch: 0.5 },
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_request_queue_time_seconds: 0.25 }, 0), branch: 0.5 },
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_request_queue_time_seconds: 0.5 }), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 10, vllm_request_queue_time_seconds: 1.5 }), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 30, vllm_request_queue_time_seconds: 1 }), branch: 1 },
    ],
  },
  {
    policy: 'AND, one gauge',
    combine: 'AND',
    metrics: [WAITING],
    variables: ['vllm_num_requests_waiting'],
    cases: [
      { inputs: at({ vllm_num_requests_waiting: 30 }), branch: 2 },
      { inputs: at({ vllm_num_requests_waiting: 30 }, 0), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 5 }), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 0 }, 0), branch: 0.5 },
    ],
  },
  {
    policy: 'OR, three signals: gauge, percentile, gauge',
    combine: 'or',
    metrics: [WAITING, TTFT_P95, KV],
    variables: ['vllm_num_requests_waiting', 'vllm_time_to_first_token_seconds', 'vllm_kv_cache_usage_perc'],
    cases: [
      { inputs: at({ vllm_num_requests_waiting: 0, vllm_time_to_first_token_seconds: 0, vllm_kv_cache_usage_perc: 0.9 }), branch: 2 },
      { inputs: at({ vllm_num_requests_waiting: 0, vllm_time_to_first_token_seconds: 2.5, vllm_kv_cache_usage_perc: 0 }), branch: 2 },
      { inputs: at({ vllm_num_requests_waiting: 0, vllm_time_to_first_token_seconds: 0, vllm_kv_cache_usage_perc: 0.9 }, 0), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_time_to_first_token_seconds: 0.1, vllm_kv_cache_usage_perc: 0.5 }), branch: 1 },
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_time_to_first_token_seconds: 0.1, vllm_kv_cache_usage_perc: 0.1 }), branch: 0.5 },
      // The percentile warming up answers (2 + 0.2) / 2: the others alone cannot scale down.
      { inputs: at({ vllm_num_requests_waiting: 1, vllm_time_to_first_token_seconds: 1.1, vllm_kv_cache_usage_perc: 0.1 }), branch: 1 },
    ],
  },
  {
    policy: 'OR, counter rate and summed gauge',
    combine: 'OR',
    metrics: [TOKENS, RUNNING_SUM],
    variables: ['vllm_generation_tokens_total', 'vllm_num_requests_running'],
    cases: [
      { inputs: at({ vllm_generation_tokens_total: 2600, vllm_num_requests_running: 0 }), branch: 2 },
      { inputs: at({ vllm_generation_tokens_total: 0, vllm_num_requests_running: 65 }), branch: 2 },
      { inputs: at({ vllm_generation_tokens_total: 1300, vllm_num_requests_running: 36 }), branch: 1 },
      { inputs: at({ vllm_generation_tokens_total: 99.5, vllm_num_requests_running: 7 }), branch: 0.5 },
      { inputs: at({ vllm_generation_tokens_total: 99.5, vllm_num_requests_running: 8 }), branch: 1 },
    ],
  },
  {
    policy: 'AND, five signals of every kind, thresholds below 0.1',
    combine: 'AND',
    metrics: [WAITING, QUEUE_TIME, TTFT_P95, TOKENS, E2E_LATENCY],
    variables: [
      'vllm_num_requests_waiting',
      'vllm_request_queue_time_seconds',
      'vllm_time_to_first_token_seconds',
      'vllm_generation_tokens_total',
      'vllm_e2e_request_latency_seconds',
    ],
    cases: [
      {
        inputs: at({
          vllm_num_requests_waiting: 11,
          vllm_request_queue_time_seconds: 1.6,
          vllm_time_to_first_token_seconds: 2.1,
          vllm_generation_tokens_total: 3000,
          vllm_e2e_request_latency_seconds: 0.08,
        }),
        branch: 2,
      },
      {
        inputs: at({
          vllm_num_requests_waiting: 11,
          vllm_request_queue_time_seconds: 1.6,
          vllm_time_to_first_token_seconds: 2.1,
          vllm_generation_tokens_total: 3000,
          vllm_e2e_request_latency_seconds: 0.07,
        }),
        branch: 1,
      },
      {
        inputs: at(
          {
            vllm_num_requests_waiting: 0,
            vllm_request_queue_time_seconds: 0,
            vllm_time_to_first_token_seconds: 0,
            vllm_generation_tokens_total: 0,
            vllm_e2e_request_latency_seconds: 0.004,
          },
          0,
        ),
        branch: 0.5,
      },
      {
        inputs: at({
          vllm_num_requests_waiting: 0,
          vllm_request_queue_time_seconds: 0,
          vllm_time_to_first_token_seconds: 0,
          vllm_generation_tokens_total: 0,
          vllm_e2e_request_latency_seconds: 0.006,
        }),
        branch: 1,
      },
    ],
  },
];

describe.each(POLICIES)('$policy', ({ combine, metrics, variables, cases }) => {
  it("names its triggers as the formula's variables, then the readiness gate", () => {
    expect(triggerNames(rendered(combine, metrics))).toEqual([...variables, 'readiness_gate']);
  });

  it("compiles with KEDA's validation and evaluates to the branch docs/composite.md promises", async () => {
    const scaledObject = rendered(combine, metrics);
    const seen = await evaluate(
      scaledObject,
      cases.map((row) => row.inputs),
    );
    expect(seen.invalid).toBeUndefined();
    expect(seen.outputs).toEqual(cases.map((row) => ({ value: row.branch })));
  });
});

it("renders upstream v0.6.2's formula for its example byte for byte, which KEDA compiles wrapped in float()", async () => {
  const upstream =
    '(readiness_gate == 1 && vllm_num_requests_waiting > 10 && vllm_request_queue_time_seconds > 1.5) ? 2.0 : ' +
    '((vllm_num_requests_waiting < 2 && vllm_request_queue_time_seconds < 0.5) ? 0.5 : 1.0)';
  const scaledObject = rendered(undefined, [WAITING, QUEUE_TIME]);
  const spec = scaledObject.spec as { advanced: { scalingModifiers: { formula: string } } };
  expect(spec.advanced.scalingModifiers.formula).toBe(upstream);
  expect((await evaluate(scaledObject, [])).formula).toBe(`float(${upstream})`);
});

it('compares values rounded to thousandths, as KEDA hands them over: why the hooks refuse thresholds finer than 0.001', async () => {
  const fine: Entry = { name: 'vllm:kv_cache_usage_perc', type: 'gauge', upthreshold: 0.0004, downthreshold: 0.0001 };
  expect(() => rendered('AND', [fine])).toThrow(/at most three decimals/);
  // The hook's ScaledObject, written with the finer thresholds it refuses.
  const scaledObject = rendered('AND', [{ ...fine, upthreshold: 0.001, downthreshold: 0.001 }]);
  const spec = scaledObject.spec as { advanced: { scalingModifiers: { formula: string } } };
  spec.advanced.scalingModifiers.formula = spec.advanced.scalingModifiers.formula
    .replace('> 0.001', '> 0.0004')
    .replace('< 0.001', '< 0.0001');
  const seen = await evaluate(scaledObject, [
    at({ vllm_kv_cache_usage_perc: 0.00045 }),
    at({ vllm_kv_cache_usage_perc: 0.0006 }),
    at({ vllm_kv_cache_usage_perc: 0.00049 }),
  ]);
  // 0.00045 and 0.00049 are above the up threshold and read as 0: below the down one.
  expect(seen.outputs).toEqual([{ value: 0.5 }, { value: 2 }, { value: 0.5 }]);
});

/**
 * Why the hooks refuse some metric names: written into a formula as such, KEDA's engine
 * cannot take them. The ScaledObject is the hook's, with the variable swapped for the name.
 */
describe.each([
  { name: 'vllm:num_requests_waiting', why: 'a Prometheus ":"' },
  { name: '2xx_rate', why: 'a leading digit' },
  { name: 'matches', why: 'an operator word' },
  { name: 'nil', why: 'a literal' },
])('a trigger named $name ($why)', ({ name }) => {
  it('cannot be used in a formula: KEDA refuses the ScaledObject', async () => {
    const scaledObject = rendered('AND', [WAITING]);
    const spec = scaledObject.spec as { advanced: { scalingModifiers: { formula: string } }; triggers: Array<{ name: string }> };
    spec.triggers[0] = { ...spec.triggers[0]!, name };
    spec.advanced.scalingModifiers.formula = spec.advanced.scalingModifiers.formula.replaceAll('vllm_num_requests_waiting', name);
    const seen = await evaluate(scaledObject, []);
    expect(seen.invalid).toMatch(/error validating formula/);
  });
});
