import type { KubeObject } from '../../hooks/objects.js';
import { sync } from '../../hooks/sync.js';
import { crdValidator } from '../support/crd-schema.js';
import { autoscaled, inferenceSet, objectMap, scaledObject, workspace } from './builders.js';

const config = { scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450', triggerAuthentication: 'keda-kaito-scaler-creds' };
const validateScaledObject = crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1');

function decorator(object: KubeObject, attachments: KubeObject[] = [], related: KubeObject[] = []) {
  return { controller: {}, object, attachments: objectMap(...attachments), related: objectMap(...related), finalizing: false };
}

/** Every ScaledObject these tests see must be one the API server accepts. */
function attachmentsOf(result: ReturnType<typeof sync>): KubeObject[] {
  expect(result.ok).toBe(true);
  if (!result.ok || !('attachments' in result.value)) throw new Error('expected a decorator answer');
  for (const object of result.value.attachments) expect(validateScaledObject(object)).toEqual([]);
  return result.value.attachments;
}

function reasonOf(result: ReturnType<typeof sync>): string {
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.problem.reason;
}

describe('rendered ScaledObject', () => {
  it('matches the design, field by field', () => {
    const [rendered] = attachmentsOf(sync(decorator(inferenceSet(autoscaled({ 'scaledobject.kaito.sh/min-replicas': '2' }))), config));
    expect(rendered).toEqual({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'phi-4-mini', namespace: 'default', annotations: { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' } },
      spec: {
        scaleTargetRef: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: 'phi-4-mini' },
        minReplicaCount: 2,
        maxReplicaCount: 4,
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }], tolerance: '100m' },
              scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }], tolerance: '500m' },
            },
          },
        },
        triggers: [
          {
            type: 'external',
            name: 'keda-kaito-scaler',
            metricType: 'AverageValue',
            authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'keda-kaito-scaler-creds' },
            metadata: {
              scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450',
              enableTLS: 'true',
              inferenceSetName: 'phi-4-mini',
              inferenceSetNamespace: 'default',
              metricName: 'vllm:num_requests_waiting',
              threshold: '10',
            },
          },
        ],
      },
    });
  });

  it.each<[string, Partial<typeof config>, Record<string, string>, (o: KubeObject) => unknown, unknown]>([
    [
      'scaler address from config',
      { scalerAddress: 'scaler.example:9999' },
      {},
      (o) => (o.spec as any).triggers[0].metadata.scalerAddress,
      'scaler.example:9999',
    ],
    [
      'authentication from config',
      { triggerAuthentication: 'other-creds' },
      {},
      (o) => (o.spec as any).triggers[0].authenticationRef.name,
      'other-creds',
    ],
    [
      'metric from the annotation',
      {},
      { 'scaledobject.kaito.sh/metricName': 'vllm:num_requests_running' },
      (o) => (o.spec as any).triggers[0].metadata.metricName,
      'vllm:num_requests_running',
    ],
    ['threshold as a string', {}, { 'scaledobject.kaito.sh/threshold': '007' }, (o) => (o.spec as any).triggers[0].metadata.threshold, '7'],
  ])('%s', (_name, overrides, annotations, pick, expected) => {
    const [rendered] = attachmentsOf(sync(decorator(inferenceSet(autoscaled(annotations))), { ...config, ...overrides }));
    expect(pick(rendered as KubeObject)).toEqual(expected);
  });

  it('targets the InferenceSet in the API version Metacontroller sent it in', () => {
    const parent = { ...inferenceSet(autoscaled()), apiVersion: 'kaito.sh/v1alpha1' };
    const [rendered] = attachmentsOf(sync(decorator(parent), config));
    expect((rendered?.spec as any)?.scaleTargetRef.apiVersion).toBe('kaito.sh/v1alpha1');
  });

  it('carries nothing the cluster owns: no status, no ownerReferences', () => {
    const [rendered] = attachmentsOf(sync(decorator(inferenceSet(autoscaled())), config));
    expect(rendered).not.toHaveProperty('status');
    expect(rendered?.metadata).not.toHaveProperty('ownerReferences');
  });
});

describe('answers', () => {
  it('a DecoratorController request gets {attachments} and nothing about the parent', () => {
    const result = sync(decorator(inferenceSet(autoscaled())), config);
    expect(result.ok && Object.keys(result.value)).toEqual(['attachments']);
  });

  it('a CompositeController request gets {children} and no status', () => {
    const result = sync({ parent: inferenceSet(autoscaled()), children: {}, related: {} }, config);
    expect(result.ok && Object.keys(result.value)).toEqual(['children']);
    expect(result.ok && 'children' in result.value && result.value.children).toHaveLength(1);
  });

  it('the same request twice gives byte-identical answers', () => {
    const request = decorator(inferenceSet(autoscaled()), [], [workspace('ws-0', 'phi-4-mini', 2)]);
    expect(JSON.stringify(sync(request, config))).toBe(JSON.stringify(sync(structuredClone(request), config)));
  });

  it('feeding the answer back as the observed attachment changes nothing', () => {
    const first = attachmentsOf(sync(decorator(inferenceSet(autoscaled())), config));
    const second = attachmentsOf(sync(decorator(inferenceSet(autoscaled()), first, first), config));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });
});

describe('opting in and out', () => {
  const ours = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });
  it.each<[string, Record<string, string>, KubeObject[], number]>([
    ['opted in, nothing yet', autoscaled(), [], 1],
    ['opted in, ours exists', autoscaled(), [ours], 1],
    ['not opted in', {}, [], 0],
    ['opted out with ours attached: it is dropped (deleted)', autoscaled({ 'scaledobject.kaito.sh/auto-provision': 'false' }), [ours], 0],
  ])('%s', (_name, annotations, attached, count) => {
    expect(attachmentsOf(sync(decorator(inferenceSet(annotations), attached), config))).toHaveLength(count);
  });
});

describe('invalid configuration never drops what exists', () => {
  const ours = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });
  it.each<[string, Record<string, string | undefined>, string]>([
    ['threshold 0', { 'scaledobject.kaito.sh/threshold': '0' }, 'InvalidThreshold'],
    ['max below min', { 'scaledobject.kaito.sh/min-replicas': '9' }, 'InvalidReplicaRange'],
    ['no bound', { 'scaledobject.kaito.sh/max-replicas': undefined }, 'MissingMaxReplicas'],
    ['bad metric', { 'scaledobject.kaito.sh/metricName': 'a b' }, 'InvalidMetricName'],
  ])('%s -> %s, not an answer without the ScaledObject', (_name, annotations, reason) => {
    expect(reasonOf(sync(decorator(inferenceSet(autoscaled(annotations)), [ours]), config))).toBe(reason);
  });
});

describe('another autoscaler of the InferenceSet', () => {
  const target = { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: 'phi-4-mini' };
  const managed = { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' };
  const foreign = scaledObject('phi-4-mini');
  const labelledOther = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'someone-else' });
  const sameAnnotation = scaledObject('phi-4-mini', managed);
  const otherVersion = { ...foreign, apiVersion: 'keda.sh/v1' };
  const otherName = (ref: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
    ...scaledObject('phi-4-mini-autoscaler', annotations),
    spec: { scaleTargetRef: ref },
  });
  const hpa = (name: string, ref: Record<string, string>, metadata: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default', ...metadata },
    spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3 },
  });
  const kedasHpa = hpa('keda-hpa-phi-4-mini', target, {
    ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'phi-4-mini', controller: true }],
  });
  it.each<[string, Record<string, string>, KubeObject[], KubeObject[], string | number]>([
    ['same name, hand-written -> conflict', autoscaled(), [], [foreign], 'ScaledObjectConflict'],
    ['same name, managed by someone else -> conflict', autoscaled(), [], [labelledOther], 'ScaledObjectConflict'],
    [
      'same name, our annotation but not attached (another install) -> conflict',
      autoscaled(),
      [],
      [sameAnnotation],
      'ScaledObjectConflict',
    ],
    ['same name, seen in another API version -> conflict', autoscaled(), [], [otherVersion], 'ScaledObjectConflict'],
    ['another name targeting it -> conflict', autoscaled(), [], [otherName(target)], 'ScaledObjectConflict'],
    ['another name targeting it, with our annotation -> conflict', autoscaled(), [], [otherName(target, managed)], 'ScaledObjectConflict'],
    [
      'another name targeting it in another version of kaito.sh -> conflict',
      autoscaled(),
      [],
      [otherName({ ...target, apiVersion: 'kaito.sh/v1alpha1' })],
      'ScaledObjectConflict',
    ],
    ['another name targeting another InferenceSet -> no conflict', autoscaled(), [], [otherName({ ...target, name: 'other' })], 1],
    [
      'another name targeting a Deployment of the same name -> no conflict',
      autoscaled(),
      [],
      [otherName({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'phi-4-mini' })],
      1,
    ],
    ['attached to this InferenceSet -> ours', autoscaled(), [foreign], [foreign], 1],
    ['same name in another namespace -> no conflict', autoscaled(), [], [scaledObject('phi-4-mini', undefined, 'other')], 1],
    ['an HPA targeting it -> conflict', autoscaled(), [], [hpa('phi-4-mini', target)], 'ScaledObjectConflict'],
    ["KEDA's HPA for our ScaledObject -> no conflict", autoscaled(), [sameAnnotation], [sameAnnotation, kedasHpa], 1],
    [
      "an HPA KEDA's validation is told to skip -> no conflict",
      autoscaled(),
      [],
      [hpa('x', target, { annotations: { 'validations.keda.sh/hpa-ownership': 'false' } })],
      1,
    ],
    ['an HPA targeting something else -> no conflict', autoscaled(), [], [hpa('x', { ...target, name: 'other' })], 1],
    ['not opted in -> left alone, nothing rendered', {}, [], [foreign, hpa('x', target)], 0],
  ])('%s', (_name, annotations, attached, related, expected) => {
    const result = sync(decorator(inferenceSet(annotations), attached, related), config);
    if (typeof expected === 'string') expect(reasonOf(result)).toBe(expected);
    else expect(attachmentsOf(result)).toHaveLength(expected);
  });

  it.each<[string, KubeObject, RegExp]>([
    ['same name', foreign, /^ScaledObject default\/phi-4-mini has the name of ours and is not managed by .*Delete it/],
    ['our annotation', sameAnnotation, /carries scaledobject\.kaito\.sh\/managed-by: keda-kaito-scaler, but another install made it/],
    [
      'another name',
      otherName(target),
      /^ScaledObject default\/phi-4-mini-autoscaler targets InferenceSet phi-4-mini .*remove annotation scaledobject\.kaito\.sh\/auto-provision/,
    ],
    ['an HPA', hpa('phi-hpa', target), /^HorizontalPodAutoscaler default\/phi-hpa targets InferenceSet phi-4-mini.*Delete it/],
  ])('names it and what to do: %s', (_name, related, message) => {
    const result = sync(decorator(inferenceSet(autoscaled()), [], [related]), config);
    expect(!result.ok && result.problem.message).toMatch(message);
  });
});

describe('related Workspaces', () => {
  const noMax = autoscaled({ 'scaledobject.kaito.sh/max-replicas': undefined });
  it.each<[string, KubeObject[], number]>([
    ['its own', [workspace('a', 'phi-4-mini', 2)], 4],
    ["another InferenceSet's are ignored", [workspace('a', 'other', 2)], 8],
    ["another namespace's are ignored", [workspace('a', 'phi-4-mini', 2, 'elsewhere')], 8],
  ])('%s', (_name, workspaces, maxReplicas) => {
    const [rendered] = attachmentsOf(sync(decorator(inferenceSet(noMax, { nodeCountLimit: 8 }), [], workspaces), config));
    expect((rendered?.spec as any)?.maxReplicaCount).toBe(maxReplicas);
  });
});

describe('malformed requests', () => {
  const valid = decorator(inferenceSet(autoscaled()));
  const object = valid.object as any;
  it.each<[string, unknown, RegExp]>([
    ['null', null, /must be a Metacontroller sync request/],
    ['an array', [valid], /must be a Metacontroller sync request/],
    ['a string', 'sync', /must be a Metacontroller sync request/],
    ['neither object nor parent', { attachments: {} }, /must be a Metacontroller sync request/],
    ['object is null', { ...valid, object: null }, /request field object is null/],
    ['no metadata', { ...valid, object: { ...object, metadata: undefined } }, /request field object.metadata is required/],
    ['no namespace', { ...valid, object: { ...object, metadata: { name: 'x' } } }, /request field object.metadata.namespace is required/],
    [
      'empty name',
      { ...valid, object: { ...object, metadata: { name: '', namespace: 'default' } } },
      /object.metadata.name is "": must be a non-empty object name/,
    ],
    ['another kind', { ...valid, object: { ...object, kind: 'Deployment' } }, /object.kind is "Deployment": must be InferenceSet/],
    [
      'another group',
      { ...valid, object: { ...object, apiVersion: 'apps/v1' } },
      /object.apiVersion is "apps\/v1": must be an API version of InferenceSets, e.g. kaito.sh\/v1beta1/,
    ],
    [
      'annotation not a string',
      { ...valid, object: { ...object, metadata: { ...object.metadata, annotations: { a: 1 } } } },
      /object.metadata.annotations.a is 1: must be a string/,
    ],
    ['spec not an object', { ...valid, object: { ...object, spec: [] } }, /object.spec is \[\]: must be an object/],
    ['attachments not a map', { ...valid, attachments: [] }, /request field attachments is \[\]/],
    [
      'attachment not an object',
      { ...valid, attachments: { 'ScaledObject.keda.sh/v1alpha1': { 'default/x': 'y' } } },
      /attachments.ScaledObject.keda.sh\/v1alpha1.default\/x is "y"/,
    ],
    ['composite parent of another kind', { parent: { ...object, kind: 'Pod' } }, /request field parent.kind is "Pod"/],
  ])('%s -> InvalidRequest', (_name, body, message) => {
    const result = sync(body, config);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe('InvalidRequest');
      expect(result.problem.message).toMatch(message);
    }
  });
});
