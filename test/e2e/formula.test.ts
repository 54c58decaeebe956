import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../hooks/objects.js';
import { runJson } from './support/go.js';
import { RENDER } from './support/rendered.js';

/**
 * KEDA's formula engine on the composite ScaledObjects of DESIGN §7: validation and
 * compilation as KEDA's admission webhook and scale handler run them
 * (ValidateAndCompileScalingModifiers), evaluation through the code its metrics adapter runs
 * (modifiers.HandleScalingModifiers), with the expression library at the version KEDA pins.
 *
 * `composite` builds the ScaledObject in the shape §7 specifies; once the sync hook renders
 * composite policies, the same tables take the rendered object instead.
 */

interface Signal {
  readonly trigger: string;
  readonly up: number;
  readonly down: number;
}

interface FormulaSeen {
  readonly invalid?: string;
  readonly formula: string;
  readonly outputs: Array<{ value: number; error?: string }>;
}

function composite(signals: readonly Signal[], formula: string): KubeObject {
  const trigger = (name: string, metadata: Record<string, string>) => ({
    type: 'external',
    name,
    metricType: 'Value',
    authenticationRef: { kind: 'ClusterTriggerAuthentication', name: RENDER.triggerAuthentication },
    metadata: {
      scalerAddress: RENDER.scalerAddress,
      enableTLS: 'true',
      inferenceSetName: 'phi-4-mini',
      inferenceSetNamespace: 'default',
      ...metadata,
    },
  });
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'phi-4-mini', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: 'phi-4-mini' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      advanced: { scalingModifiers: { target: '1', metricType: 'Value', formula } },
      triggers: [
        ...signals.map(({ trigger: name, up, down }) =>
          trigger(name, { metricName: name, aggregation: 'service-avg', upThreshold: String(up), downThreshold: String(down) }),
        ),
        trigger('readiness_gate', { aggregation: 'gate' }),
      ],
    },
  };
}

const evaluate = (scaledObject: KubeObject, inputs: ReadonlyArray<Record<string, number>>) =>
  runJson<FormulaSeen>('keda', ['formula'], { scaledObject, inputs });

const WAITING: Signal = { trigger: 'vllm_num_requests_waiting', up: 10, down: 2 };
const QUEUE: Signal = { trigger: 'vllm_request_queue_time_seconds', up: 1.5, down: 0.5 };
const KV: Signal = { trigger: 'vllm_kv_cache_usage_perc', up: 0.8, down: 0.25 };

const three = ({ waiting, queue, kv, gate }: { waiting: number; queue: number; kv: number; gate: number }) => ({
  vllm_num_requests_waiting: waiting,
  vllm_request_queue_time_seconds: queue,
  vllm_kv_cache_usage_perc: kv,
  readiness_gate: gate,
});

/** §7's formulas, written out for each policy; upstream's own example is the first row. */
const POLICIES = [
  {
    policy: 'AND, two signals (upstream v0.6 example)',
    signals: [WAITING, QUEUE],
    formula:
      '(readiness_gate == 1 && vllm_num_requests_waiting > 10 && vllm_request_queue_time_seconds > 1.5) ? 2.0 : ' +
      '((vllm_num_requests_waiting < 2 && vllm_request_queue_time_seconds < 0.5) ? 0.5 : 1.0)',
    cases: [
      { inputs: { vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 2, readiness_gate: 1 }, branch: 2 },
      { inputs: { vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 1, readiness_gate: 1 }, branch: 1 },
      { inputs: { vllm_num_requests_waiting: 11, vllm_request_queue_time_seconds: 2, readiness_gate: 0 }, branch: 1 },
      { inputs: { vllm_num_requests_waiting: 1, vllm_request_queue_time_seconds: 0.25, readiness_gate: 1 }, branch: 0.5 },
      { inputs: { vllm_num_requests_waiting: 1, vllm_request_queue_time_seconds: 0.5, readiness_gate: 1 }, branch: 1 },
      { inputs: { vllm_num_requests_waiting: 10, vllm_request_queue_time_seconds: 1.5, readiness_gate: 1 }, branch: 1 },
    ],
  },
  {
    policy: 'AND, one signal',
    signals: [WAITING],
    formula: '(readiness_gate == 1 && vllm_num_requests_waiting > 10) ? 2.0 : ((vllm_num_requests_waiting < 2) ? 0.5 : 1.0)',
    cases: [
      { inputs: { vllm_num_requests_waiting: 30, readiness_gate: 1 }, branch: 2 },
      { inputs: { vllm_num_requests_waiting: 5, readiness_gate: 1 }, branch: 1 },
      { inputs: { vllm_num_requests_waiting: 0, readiness_gate: 0 }, branch: 0.5 },
    ],
  },
  {
    policy: 'OR, three signals',
    signals: [WAITING, QUEUE, KV],
    formula:
      '(readiness_gate == 1 && (vllm_num_requests_waiting > 10 || vllm_request_queue_time_seconds > 1.5 || ' +
      'vllm_kv_cache_usage_perc > 0.8)) ? 2.0 : ' +
      '((vllm_num_requests_waiting < 2 && vllm_request_queue_time_seconds < 0.5 && vllm_kv_cache_usage_perc < 0.25) ? 0.5 : 1.0)',
    cases: [
      { inputs: three({ waiting: 0, queue: 0, kv: 0.9, gate: 1 }), branch: 2 },
      { inputs: three({ waiting: 0, queue: 0, kv: 0.9, gate: 0 }), branch: 1 },
      { inputs: three({ waiting: 1, queue: 0.1, kv: 0.5, gate: 1 }), branch: 1 },
      { inputs: three({ waiting: 1, queue: 0.1, kv: 0.1, gate: 1 }), branch: 0.5 },
    ],
  },
];

describe.each(POLICIES)('$policy', ({ signals, formula, cases }) => {
  it('compiles with KEDA\'s validation and evaluates to the branch §7 promises', async () => {
    const seen = await evaluate(composite(signals, formula), cases.map((row) => row.inputs));
    expect(seen.invalid).toBeUndefined();
    expect(seen.outputs).toEqual(cases.map((row) => ({ value: row.branch })));
  });
});

/** Why §7 sanitizes trigger names and refuses some: names the engine cannot take as written. */
describe.each([
  { name: 'vllm:num_requests_waiting', why: 'a Prometheus ":"' },
  { name: '2xx_rate', why: 'a leading digit' },
  { name: 'matches', why: 'an operator word' },
  { name: 'nil', why: 'a literal' },
])('a trigger named $name ($why)', ({ name }) => {
  it('cannot be used in a formula: KEDA refuses the ScaledObject', async () => {
    const signal = { trigger: name, up: 10, down: 2 };
    const seen = await evaluate(composite([signal], `(readiness_gate == 1 && ${name} > 10) ? 2.0 : ((${name} < 2) ? 0.5 : 1.0)`), []);
    expect(seen.invalid).toMatch(/error validating formula/);
  });
});
