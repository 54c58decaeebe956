import { ok } from '../../lib/result.js';
import { hpaOf, parseQuantity } from '../../simulate/keda.js';

const target = () => ok(10);
const scaledObject = (spec: Record<string, unknown>) => ({
  spec: { minReplicaCount: 1, maxReplicaCount: 4, triggers: [{ type: 'external', name: 't' }], ...spec },
});

describe('parseQuantity: tolerances as the API server writes them', () => {
  it.each<[unknown, number | undefined]>([
    ['100m', 0.1],
    ['500m', 0.5],
    ['0.05', 0.05],
    ['1', 1],
    [0.2, 0.2],
    ['10%', undefined],
    ['-1', undefined],
    [undefined, undefined],
  ])('%p -> %p', (text, expected) => {
    expect(parseQuantity(text)).toBe(expected);
  });
});

describe('hpaOf: the HPA KEDA creates from a ScaledObject', () => {
  it('fills what the ScaledObject leaves out with the Kubernetes defaults', () => {
    const hpa = hpaOf(scaledObject({ minReplicaCount: 0, maxReplicaCount: undefined }), target);
    expect(hpa).toEqual(
      ok({
        minReplicas: 1,
        maxReplicas: 100,
        metrics: [{ name: 't', type: 'AverageValue', target: 10 }],
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
          tolerance: 0.1,
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          tolerance: 0.1,
        },
      }),
    );
  });

  it('copies the behaviour it is given, rule by rule', () => {
    const behavior = { scaleUp: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }], tolerance: '50m' } };
    const hpa = hpaOf(scaledObject({ advanced: { horizontalPodAutoscalerConfig: { behavior } } }), target);
    expect(hpa.ok && hpa.value.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Min',
      policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
      tolerance: 0.05,
    });
    expect(hpa.ok && hpa.value.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a scalingModifiers formula', { advanced: { scalingModifiers: { formula: 'a + b', target: '1' } } }, 'UnsupportedScalingModifiers'],
    [
      'a policy of another type',
      {
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 60 }] } } },
        },
      },
      'InvalidScaledObject',
    ],
    [
      'a period over 30 min',
      {
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } },
        },
      },
      'InvalidScaledObject',
    ],
    [
      'a tolerance that is no quantity',
      { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { tolerance: 'ten' } } } } },
      'InvalidScaledObject',
    ],
    [
      'an unknown selectPolicy',
      { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { selectPolicy: 'Most' } } } } },
      'InvalidScaledObject',
    ],
    ['max below min', { minReplicaCount: 5, maxReplicaCount: 2 }, 'InvalidScaledObject'],
    ['no triggers', { triggers: [] }, 'InvalidScaledObject'],
    ['a Utilization trigger', { triggers: [{ type: 'cpu', metricType: 'Utilization' }] }, 'InvalidScaledObject'],
  ])('refuses %s', (_, spec, reason) => {
    const hpa = hpaOf(scaledObject(spec), target);
    expect(hpa.ok || hpa.problem.reason).toBe(reason);
  });
});
