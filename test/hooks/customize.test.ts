import { customize } from '../../hooks/customize.js';
import { autoscaled, inferenceSet } from './builders.js';

describe('customize', () => {
  it("asks for the InferenceSet's Workspaces and every ScaledObject and HPA of its namespace", () => {
    const result = customize({ controller: {}, parent: inferenceSet(autoscaled(), {}, 'llama', 'team-a') });
    expect(result).toEqual({
      ok: true,
      value: {
        relatedResources: [
          {
            apiVersion: 'kaito.sh/v1beta1',
            resource: 'workspaces',
            namespace: 'team-a',
            labelSelector: { matchLabels: { 'inferenceset.kaito.sh/created-by': 'llama' } },
          },
          { apiVersion: 'keda.sh/v1alpha1', resource: 'scaledobjects', namespace: 'team-a' },
          { apiVersion: 'autoscaling/v2', resource: 'horizontalpodautoscalers', namespace: 'team-a' },
        ],
      },
    });
  });

  it('reads Workspaces as kaito.sh/v1beta1 when InferenceSets are served as kaito.sh/v1alpha1 (v1alpha1 has no status.targetNodeCount)', () => {
    const parent = { ...inferenceSet({}), apiVersion: 'kaito.sh/v1alpha1' };
    const result = customize({ parent });
    expect(result.ok && result.value.relatedResources[0]?.apiVersion).toBe('kaito.sh/v1beta1');
  });

  it('asks for the same things whether or not the InferenceSet is annotated', () => {
    expect(customize({ parent: inferenceSet({}) })).toEqual(customize({ parent: inferenceSet(autoscaled()) }));
  });

  it.each<[string, unknown, RegExp]>([
    ['no parent', { controller: {} }, /request field parent is required/],
    [
      'parent without namespace',
      { parent: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', metadata: { name: 'x' } } },
      /parent.metadata.namespace is required/,
    ],
    ['not an object', 42, /request field \(body\) is 42/],
  ])('%s -> InvalidRequest', (_name, body, message) => {
    const result = customize(body);
    expect(!result.ok && result.problem).toEqual({ reason: 'InvalidRequest', message: expect.stringMatching(message) });
  });
});
