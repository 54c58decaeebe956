import { readFileSync } from 'node:fs';
import { readPolicy } from '../../simulate/policy.js';
import { hookAnswer, policy, policyYaml, render } from './support.js';

describe('readPolicy: an InferenceSet rendered by the hooks, read by the scaler, emulated as KEDA would', () => {
  it('takes the name, trigger and HPA of the rendered ScaledObject', () => {
    const read = policy('phi-4-mini', { 'scaledobject.kaito.sh/min-replicas': '2', 'scaledobject.kaito.sh/threshold': '8' });
    expect(read.name).toBe('phi-4-mini');
    expect(read.trigger).toMatchObject({ metricName: 'vllm:num_requests_waiting', threshold: 8, aggregation: 'sum' });
    expect(read.hpa).toEqual({
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [{ name: 'keda-kaito-scaler', type: 'AverageValue', target: 8 }],
      scaleUp: {
        stabilizationWindowSeconds: 60,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
        tolerance: 0.1,
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }],
        tolerance: 0.5,
      },
    });
  });

  it('reads the example policies shipped with the project', () => {
    for (const file of ['examples/policies/conservative.yaml', 'examples/policies/running.yaml', 'examples/policies/faster.yaml']) {
      expect(readPolicy(readFileSync(file, 'utf8'), file, render).ok).toBe(true);
    }
  });

  // Whatever the hooks refuse is refused here with the same reason and message.
  it.each<[string, Record<string, string | undefined>]>([
    ['a threshold of 0', { 'scaledobject.kaito.sh/threshold': '0' }],
    ['a fractional threshold', { 'scaledobject.kaito.sh/threshold': '1.5' }],
    ['max below min', { 'scaledobject.kaito.sh/min-replicas': '5', 'scaledobject.kaito.sh/max-replicas': '3' }],
    ['no max and no nodeCountLimit', { 'scaledobject.kaito.sh/max-replicas': undefined }],
    ['a metric name that is not one', { 'scaledobject.kaito.sh/metricName': 'not a metric' }],
  ])('refuses %s as the hooks do', (_, extra) => {
    const answer = hookAnswer('phi-4-mini', extra);
    expect(answer.ok).toBe(false);
    const read = readPolicy(policyYaml('phi-4-mini', extra), 'phi-4-mini.yaml', render);
    expect(read).toEqual(answer);
  });

  it.each<[string, string, string]>([
    ['not autoscaled', policyYaml('phi-4-mini', { 'scaledobject.kaito.sh/auto-provision': 'false' }), 'NotAutoscaled'],
    ['not YAML', 'metadata: [', 'InvalidInferenceSet'],
    ['without a name', 'kind: InferenceSet\nmetadata: {}\n', 'InvalidInferenceSet'],
  ])('refuses a file %s', (_, text, reason) => {
    const read = readPolicy(text, 'p.yaml', render);
    expect(read.ok || read.problem.reason).toBe(reason);
  });

  describe('a ScaledObject written by hand', () => {
    const faster = readFileSync('examples/policies/faster.yaml', 'utf8');

    it('is taken as it is, named by its own name', () => {
      const read = readPolicy(faster, 'faster.yaml', render);
      expect(read.ok && [read.value.name, read.value.trigger.inferenceSetName, read.value.hpa.scaleUp.policies]).toEqual([
        'faster',
        'phi-4-mini',
        [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      ]);
    });

    it.each<[string, string, string]>([
      [
        'a second trigger',
        faster.replace('  triggers:\n', '  triggers:\n    - type: cpu\n      metadata: {value: "50"}\n'),
        'UnsupportedPolicy',
      ],
      ['a trigger of another scaler', faster.replace('type: external', 'type: prometheus'), 'UnsupportedPolicy'],
      ['metadata the scaler refuses', faster.replace('threshold: "10"', 'threshold: "ten"'), 'InvalidMetadata'],
      [
        'a behaviour the HPA refuses',
        faster.replace('type: Pods\n              value: 2', 'type: Nodes\n              value: 2'),
        'InvalidScaledObject',
      ],
    ])('refuses %s', (_, text, reason) => {
      const read = readPolicy(text, 'faster.yaml', render);
      expect(read.ok || read.problem.reason).toBe(reason);
    });
  });
});
