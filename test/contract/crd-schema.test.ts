import { crdValidator } from '../support/crd-schema.js';

// The validator is what every contract test relies on: it must reject what the API server rejects
// and report what it would silently drop.
describe('crdValidator', () => {
  const validate = crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1');
  const base = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'phi-4', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: 'phi-4' },
      triggers: [{ type: 'external', metadata: { scalerAddress: 'x:1' } }],
    },
  };

  it('accepts a minimal valid object', () => {
    expect(validate(base)).toEqual([]);
  });

  it.each([
    ['an unknown field (a typo)', { ...base, spec: { ...base.spec, pollingIntervall: 15 } }, /additional properties \(pollingIntervall\)/],
    ['a missing required field', { ...base, spec: { triggers: base.spec.triggers } }, /scaleTargetRef/],
    ['a wrong type', { ...base, spec: { ...base.spec, minReplicaCount: '1' } }, /minReplicaCount must be integer/],
    ['an int32 overflow', { ...base, spec: { ...base.spec, maxReplicaCount: 2 ** 31 } }, /maxReplicaCount must match format "int32"/],
    [
      'a non-string trigger metadata value',
      { ...base, spec: { ...base.spec, triggers: [{ type: 'external', metadata: { threshold: 5 } }] } },
      /threshold must be string/,
    ],
    ['another apiVersion', { ...base, apiVersion: 'keda.sh/v1' }, /apiVersion is keda.sh\/v1/],
  ])('rejects %s', (_name, object, message) => {
    expect(validate(object).join('\n')).toMatch(message);
  });

  it('accepts int-or-string fields in both forms', () => {
    const hpa = (value: number | string) => ({
      ...base,
      spec: {
        ...base.spec,
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }], tolerance: value } },
          },
        },
      },
    });
    expect(validate(hpa('0.5'))).toEqual([]);
    expect(validate(hpa(1))).toEqual([]);
  });
});
