import { customize } from '../../hooks/customize.js';
import { autoscaled, inferenceSet } from './builders.js';

describe('customize', () => {
  it("asks for the InferenceSet's Workspaces and the ScaledObject of its name, in its namespace", () => {
    const result = customize({ controller: {}, parent: inferenceSet(autoscaled(), {}, 'llama', 'team-a') }, 'kaito.sh/v1beta1');
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
          { apiVersion: 'keda.sh/v1alpha1', resource: 'scaledobjects', namespace: 'team-a', names: ['llama'] },
        ],
      },
    });
  });

  it('reads Workspaces in the configured API version', () => {
    const result = customize({ parent: inferenceSet({}) }, 'kaito.sh/v1alpha1');
    expect(result.ok && result.value.relatedResources[0]?.apiVersion).toBe('kaito.sh/v1alpha1');
  });

  it('asks for the same things whether or not the InferenceSet is annotated', () => {
    expect(customize({ parent: inferenceSet({}) }, 'kaito.sh/v1beta1')).toEqual(
      customize({ parent: inferenceSet(autoscaled()) }, 'kaito.sh/v1beta1'),
    );
  });

  it.each<[string, unknown, RegExp]>([
    ['no parent', { controller: {} }, /request field parent is required/],
    ['parent without namespace', { parent: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', metadata: { name: 'x' } } }, /parent.metadata.namespace is required/],
    ['not an object', 42, /request field \(body\) is 42/],
  ])('%s -> InvalidRequest', (_name, body, message) => {
    const result = customize(body, 'kaito.sh/v1beta1');
    expect(!result.ok && result.problem).toEqual({ reason: 'InvalidRequest', message: expect.stringMatching(message) });
  });
});
