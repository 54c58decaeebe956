import request from 'supertest';
import { formatNumber, variableName } from '../../hooks/composite.js';
import type { KubeObject } from '../../hooks/objects.js';
import { sync } from '../../hooks/sync.js';
import { crdValidator } from '../support/crd-schema.js';
import { inferenceSet, objectMap, scaledObject } from './builders.js';
import { hooksApp } from './hooks-app.js';
import { TWO_METRICS } from './upstream-annotations.js';

const config = { scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450', triggerAuthentication: 'keda-kaito-scaler-creds' };
const validateScaledObject = crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1');
const ours = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });

function composite(metrics: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'scaledobject.kaito.sh/auto-provision': 'true',
    'scaledobject.kaito.sh/max-replicas': '5',
    ...(metrics === undefined ? {} : { 'scaledobject.kaito.sh/metrics': metrics }),
    ...extra,
  };
}

const gauge = (fields: string) => `- name: vllm:num_requests_waiting\n  type: gauge\n${fields}`;
const histogram = (fields: string) => `- name: vllm:request_queue_time_seconds\n  type: histogram\n${fields}`;

function render(annotations: Record<string, string>) {
  const result = sync(
    { controller: {}, object: inferenceSet(annotations), attachments: objectMap(ours), related: {}, finalizing: false },
    config,
  );
  return result;
}

/** The one ScaledObject rendered, checked against KEDA's CRD. */
function rendered(annotations: Record<string, string>): any {
  const result = render(annotations);
  if (!result.ok) throw new Error(`${result.problem.reason}: ${result.problem.message}`);
  const [object] = (result.value as { attachments: KubeObject[] }).attachments;
  expect(validateScaledObject(object)).toEqual([]);
  return object;
}

const reasonOf = (annotations: Record<string, string>) => {
  const result = render(annotations);
  return result.ok ? 'rendered' : result.problem.reason;
};

describe('upstream v0.6.2 provisioner cases', () => {
  it('valid two-metric config: triggers, formula and defaults', () => {
    const object = rendered(composite(TWO_METRICS));
    const [waiting, queue, gate] = object.spec.triggers;
    expect(object.spec.triggers.map((trigger: any) => trigger.name)).toEqual([
      'vllm_num_requests_waiting',
      'vllm_request_queue_time_seconds',
      'readiness_gate',
    ]);
    expect(waiting.metadata).toEqual({
      scalerAddress: config.scalerAddress,
      enableTLS: 'true',
      inferenceSetName: 'phi-4-mini',
      inferenceSetNamespace: 'default',
      metricName: 'vllm:num_requests_waiting',
      aggregation: 'service-avg',
      upThreshold: '10',
      downThreshold: '2',
    });
    expect(queue.metadata).toMatchObject({
      aggregation: 'windowed-avg',
      metricCacheWindow: '300',
      upThreshold: '1.5',
      downThreshold: '0.5',
    });
    expect(gate.metadata).toMatchObject({ metricName: 'readiness_gate', aggregation: 'gate', enableTLS: 'true' });
    for (const trigger of object.spec.triggers) {
      expect(trigger).toMatchObject({
        type: 'external',
        metricType: 'Value',
        authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'keda-kaito-scaler-creds' },
      });
      expect(trigger.metadata).not.toHaveProperty('threshold');
    }
    expect(object.spec.advanced.scalingModifiers).toEqual({
      target: '1',
      metricType: 'Value',
      formula:
        '(readiness_gate == 1 && vllm_num_requests_waiting > 10 && vllm_request_queue_time_seconds > 1.5) ? 2.0 : ' +
        '((vllm_num_requests_waiting < 2 && vllm_request_queue_time_seconds < 0.5) ? 0.5 : 1.0)',
    });
    expect(object.spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }], tolerance: '100m' },
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }], tolerance: '100m' },
    });
    expect(object.spec).toMatchObject({ pollingInterval: 15, minReplicaCount: 1, maxReplicaCount: 5 });
  });

  it('the same list written as JSON renders the same object', () => {
    const json = JSON.stringify([
      { name: 'vllm:num_requests_waiting', type: 'gauge', upthreshold: 10, downthreshold: 2 },
      { name: 'vllm:request_queue_time_seconds', type: 'histogram', upthreshold: 1.5, downthreshold: 0.5 },
    ]);
    expect(rendered(composite(json))).toEqual(rendered(composite(TWO_METRICS)));
  });

  it.each<[string, Record<string, string>, (object: any) => unknown, unknown]>([
    [
      'valid single-metric config',
      composite(gauge('  upthreshold: 5\n  downthreshold: 1\n')),
      (o) => o.spec.triggers.map((t: any) => t.metadata.aggregation),
      ['service-avg', 'gate'],
    ],
    [
      'custom windows and cooldowns',
      composite(TWO_METRICS, {
        'scaledobject.kaito.sh/evaluationwindow': '30',
        'scaledobject.kaito.sh/scaleupcooldown': '120',
        'scaledobject.kaito.sh/scaledowncooldown': '240',
      }),
      (o) => o.spec.advanced.horizontalPodAutoscalerConfig.behavior,
      {
        scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }], tolerance: '100m' },
        scaleDown: { stabilizationWindowSeconds: 240, policies: [{ type: 'Pods', value: 1, periodSeconds: 240 }], tolerance: '100m' },
      },
    ],
    [
      'custom metriccachewindow accepted',
      composite(histogram('  upthreshold: 1.5\n  downthreshold: 0.5\n  metriccachewindow: 120\n')),
      (o) => o.spec.triggers[0].metadata.metricCacheWindow,
      '120',
    ],
    [
      'explicit AND accepted',
      composite(TWO_METRICS, { 'scaledobject.kaito.sh/combinepolicy': 'AND' }),
      (o) => o.spec.advanced.scalingModifiers.formula.startsWith('(readiness_gate == 1 && vllm'),
      true,
    ],
  ])('%s', (_name, annotations, pick, expected) => {
    expect(pick(rendered(annotations))).toEqual(expected);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'missing metricstype rejected',
      composite('- name: vllm:num_requests_waiting\n  upthreshold: 10\n  downthreshold: 2\n'),
      'InvalidMetricType',
    ],
    [
      'invalid metricstype rejected',
      composite('- name: vllm:num_requests_waiting\n  type: bogus\n  upthreshold: 10\n  downthreshold: 2\n'),
      'InvalidMetricType',
    ],
    ['invalid metricsource rejected', composite(gauge('  source: bogus\n  upthreshold: 10\n  downthreshold: 2\n')), 'InvalidMetricSource'],
    ['invalid up threshold rejected', composite(gauge('  upthreshold: abc\n  downthreshold: 2\n')), 'InvalidThreshold'],
    ...['NaN', '.nan', '.inf', '+.inf', '-.inf'].flatMap(
      (value): Array<[string, Record<string, string>, string]> => [
        [`non-finite upthreshold ${value} rejected`, composite(gauge(`  upthreshold: ${value}\n  downthreshold: 2\n`)), 'InvalidThreshold'],
        [
          `non-finite downthreshold ${value} rejected`,
          composite(gauge(`  upthreshold: 2\n  downthreshold: ${value}\n`)),
          'InvalidThreshold',
        ],
      ],
    ),
    ['down greater than up rejected', composite(gauge('  upthreshold: 10\n  downthreshold: 20\n')), 'InvertedThresholds'],
    [
      'non-positive metriccachewindow rejected',
      composite(histogram('  upthreshold: 1.5\n  downthreshold: 0.5\n  metriccachewindow: 0\n')),
      'InvalidMetricCacheWindow',
    ],
    [
      'metriccachewindow on gauge rejected',
      composite(gauge('  upthreshold: 5\n  downthreshold: 1\n  metriccachewindow: 60\n')),
      'InvalidMetricCacheWindow',
    ],
    ['no metrics rejected (empty annotation)', composite(''), 'MissingMetrics'],
    ['no metrics rejected (empty list)', composite('[]'), 'MissingMetrics'],
    ['missing name rejected', composite('- type: gauge\n  upthreshold: 1\n  downthreshold: 0\n'), 'InvalidMetricName'],
    ['missing upthreshold rejected', composite(gauge('  downthreshold: 2\n')), 'InvalidThreshold'],
    ['missing downthreshold rejected', composite(gauge('  upthreshold: 2\n')), 'InvalidThreshold'],
    ['a negative window annotation rejected', composite(TWO_METRICS, { 'scaledobject.kaito.sh/evaluationwindow': '-1' }), 'InvalidSeconds'],
    ['a non-numeric cooldown rejected', composite(TWO_METRICS, { 'scaledobject.kaito.sh/scaleupcooldown': '5m' }), 'InvalidSeconds'],
    [
      'an unknown combine policy rejected',
      composite(TWO_METRICS, { 'scaledobject.kaito.sh/combinepolicy': 'XOR' }),
      'InvalidCombinePolicy',
    ],
    [
      'colliding sanitized names rejected',
      composite(
        `${gauge('  upthreshold: 1\n  downthreshold: 0\n')}- name: vllm_num_requests_waiting\n  type: gauge\n  upthreshold: 1\n  downthreshold: 0\n`,
      ),
      'DuplicateTriggerName',
    ],
  ])('%s -> %s, the ScaledObject kept', (_name, annotations, reason) => {
    expect(reasonOf(annotations)).toBe(reason);
  });
});

describe('beyond upstream v0.6.2', () => {
  it.each<[string, Record<string, string>, (object: any) => unknown, unknown]>([
    [
      'OR: up when any signal is hot (bracketed under the gate), down when all are cool',
      composite(TWO_METRICS, { 'scaledobject.kaito.sh/combinepolicy': 'or' }),
      (o) => o.spec.advanced.scalingModifiers.formula,
      '(readiness_gate == 1 && (vllm_num_requests_waiting > 10 || vllm_request_queue_time_seconds > 1.5)) ? 2.0 : ' +
        '((vllm_num_requests_waiting < 2 && vllm_request_queue_time_seconds < 0.5) ? 0.5 : 1.0)',
    ],
    [
      'percentile carries its quantile and window',
      composite(
        '- name: vllm:time_to_first_token_seconds\n  type: histogram\n  aggregation: percentile\n  quantile: 0.95\n  upthreshold: 2\n  downthreshold: 0.5\n  metriccachewindow: 120\n',
      ),
      (o) => o.spec.triggers[0].metadata,
      expect.objectContaining({
        aggregation: 'percentile',
        quantile: '0.95',
        metricCacheWindow: '120',
        metricName: 'vllm:time_to_first_token_seconds',
      }),
    ],
    [
      'rate is the default of a counter, with the default window',
      composite('- name: vllm:generation_tokens_total\n  type: counter\n  upthreshold: 5000\n  downthreshold: 1000\n'),
      (o) => [o.spec.triggers[0].name, o.spec.triggers[0].metadata.aggregation, o.spec.triggers[0].metadata.metricCacheWindow],
      ['vllm_generation_tokens_total', 'rate', '300'],
    ],
    [
      'a summed gauge counts a silent replica at downthreshold',
      composite(gauge('  aggregation: sum\n  upthreshold: 40\n  downthreshold: 8\n')),
      (o) => o.spec.triggers[0].metadata,
      expect.objectContaining({ aggregation: 'sum', threshold: '8' }),
    ],
    [
      'thresholds are rendered shortest, never in exponent form',
      composite(gauge('  upthreshold: 1e21\n  downthreshold: 0.001\n')),
      (o) => [o.spec.triggers[0].metadata.upThreshold, o.spec.triggers[0].metadata.downThreshold, o.spec.advanced.scalingModifiers.formula],
      [
        '1000000000000000000000',
        '0.001',
        '(readiness_gate == 1 && vllm_num_requests_waiting > 1000000000000000000000) ? 2.0 : ((vllm_num_requests_waiting < 0.001) ? 0.5 : 1.0)',
      ],
    ],
    [
      'keys are read case-insensitively, as upstream decodes them',
      composite('- Name: vllm:num_requests_waiting\n  TYPE: gauge\n  upThreshold: 10\n  downThreshold: 2\n'),
      (o) => o.spec.triggers[0].metadata.upThreshold,
      '10',
    ],
    [
      'min-replicas applies as in single-threshold mode',
      composite(TWO_METRICS, { 'scaledobject.kaito.sh/min-replicas': '2' }),
      (o) => o.spec.minReplicaCount,
      2,
    ],
  ])('%s', (_name, annotations, pick, expected) => {
    expect(pick(rendered(annotations))).toEqual(expected);
  });

  it.each<[string, Record<string, string>, string]>([
    ['metrics and threshold both set', composite(TWO_METRICS, { 'scaledobject.kaito.sh/threshold': '10' }), 'ConflictingAnnotations'],
    [
      'percentile without a quantile',
      composite(histogram('  aggregation: percentile\n  upthreshold: 2\n  downthreshold: 1\n')),
      'InvalidQuantile',
    ],
    [
      'quantile of 1',
      composite(histogram('  aggregation: percentile\n  quantile: 1\n  upthreshold: 2\n  downthreshold: 1\n')),
      'InvalidQuantile',
    ],
    ['quantile without percentile', composite(histogram('  quantile: 0.9\n  upthreshold: 2\n  downthreshold: 1\n')), 'InvalidQuantile'],
    ['rate on a gauge', composite(gauge('  aggregation: rate\n  upthreshold: 2\n  downthreshold: 1\n')), 'InvalidAggregation'],
    ['an unknown aggregation', composite(gauge('  aggregation: max\n  upthreshold: 2\n  downthreshold: 1\n')), 'InvalidAggregation'],
    [
      'a summed gauge with downthreshold 0',
      composite(gauge('  aggregation: sum\n  upthreshold: 2\n  downthreshold: 0\n')),
      'InvalidThreshold',
    ],
    [
      'a summed gauge with downthreshold below 0.001',
      composite(gauge('  aggregation: sum\n  upthreshold: 2\n  downthreshold: 0\n')),
      'InvalidThreshold',
    ],
    [
      'a threshold finer than thousandths (KEDA rounds values to them)',
      composite(gauge('  upthreshold: 0.0004\n  downthreshold: 0.0001\n')),
      'InvalidThreshold',
    ],
    ['a threshold of 1.2345', composite(gauge('  upthreshold: 1.2345\n  downthreshold: 1\n')), 'InvalidThreshold'],
    ['a quoted threshold', composite(gauge('  upthreshold: "10"\n  downthreshold: 2\n')), 'InvalidThreshold'],
    [
      'a window over an hour',
      composite(histogram('  upthreshold: 2\n  downthreshold: 1\n  metriccachewindow: 3601\n')),
      'InvalidMetricCacheWindow',
    ],
    ['a cooldown the HPA refuses (0)', composite(TWO_METRICS, { 'scaledobject.kaito.sh/scaleupcooldown': '0' }), 'InvalidSeconds'],
    [
      'a cooldown the HPA refuses (over 1800)',
      composite(TWO_METRICS, { 'scaledobject.kaito.sh/scaledowncooldown': '1801' }),
      'InvalidSeconds',
    ],
    ['an evaluation window over an hour', composite(TWO_METRICS, { 'scaledobject.kaito.sh/evaluationwindow': '3601' }), 'InvalidSeconds'],
    [
      'an unknown key (a typo)',
      composite(gauge('  upthreshold: 2\n  downthreshold: 1\n  metriccachewindw: 60\n')),
      'InvalidMetricsAnnotation',
    ],
    [
      'a key set twice in different cases',
      composite(gauge('  upthreshold: 2\n  upThreshold: 3\n  downthreshold: 1\n')),
      'InvalidMetricsAnnotation',
    ],
    ['not YAML', composite('- name: [unclosed'), 'InvalidMetricsAnnotation'],
    ['a mapping instead of a list', composite('name: vllm:num_requests_waiting'), 'InvalidMetricsAnnotation'],
    ['a list of strings', composite('- vllm:num_requests_waiting'), 'InvalidMetricsAnnotation'],
    [
      'a metric named like the gate',
      composite('- name: readiness_gate\n  type: gauge\n  upthreshold: 1\n  downthreshold: 0\n'),
      'DuplicateTriggerName',
    ],
    [
      'a metric named like a word of the formula language',
      composite('- name: matches\n  type: gauge\n  upthreshold: 1\n  downthreshold: 0\n'),
      'ReservedTriggerName',
    ],
    [
      'seventeen metrics',
      composite(Array.from({ length: 17 }, (_, i) => `- name: m${i}\n  type: gauge\n  upthreshold: 1\n  downthreshold: 0\n`).join('')),
      'InvalidMetricsAnnotation',
    ],
    [
      'a name that is not a Prometheus name',
      composite('- name: "2xx requests"\n  type: gauge\n  upthreshold: 1\n  downthreshold: 0\n'),
      'InvalidMetricName',
    ],
    ['a bad max-replicas', composite(TWO_METRICS, { 'scaledobject.kaito.sh/max-replicas': '1' }), 'InvalidReplicaRange'],
  ])('%s -> %s', (_name, annotations, reason) => {
    expect(reasonOf(annotations)).toBe(reason);
  });

  it('every rejection names the annotation and says what to change', () => {
    const result = render(composite(gauge('  upthreshold: 10\n  downthreshold: 20\n')));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.message).toContain('scaledobject.kaito.sh/metrics entry [0] (vllm:num_requests_waiting)');
      expect(result.problem.message).toContain('downthreshold (20) must not exceed upthreshold (10)');
    }
  });

  it('the same request twice gives byte-identical answers', () => {
    const annotations = composite(TWO_METRICS, { 'scaledobject.kaito.sh/combinepolicy': 'OR' });
    expect(JSON.stringify(render(annotations))).toBe(JSON.stringify(render(structuredClone(annotations))));
  });
});

describe('variableName', () => {
  it.each([
    ['vllm:num_requests_waiting', 'vllm_num_requests_waiting'],
    ['a.b-c', 'a_b_c'],
    ['9lives', '_9lives'],
    ['_x', '_x'],
  ])('%s -> %s', (family, variable) => expect(variableName(family)).toBe(variable));
});

describe('formatNumber', () => {
  it.each([
    [10, '10'],
    [1.5, '1.5'],
    [-2, '-2'],
    [0, '0'],
    [1e21, '1000000000000000000000'],
    [1.25e22, '12500000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.5e-7, '-0.00000015'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%s -> %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
    expect(Number(formatNumber(value))).toBe(value);
  });
});

describe('over HTTP', () => {
  it('a bad list is a 422 with {reason, message}: Metacontroller keeps the ScaledObject it has', async () => {
    const body = {
      controller: {},
      object: inferenceSet(composite(gauge('  upthreshold: 1\n  downthreshold: 2\n'))),
      attachments: objectMap(ours),
      related: {},
      finalizing: false,
    };
    const response = await request(hooksApp()).post('/sync').send(body);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      reason: 'InvertedThresholds',
      message: expect.stringContaining('downthreshold (2) must not exceed upthreshold (1)'),
    });
  });
});
