import request from 'supertest';
import { readScaling } from '../../hooks/annotations.js';
import { customize } from '../../hooks/customize.js';
import type { KubeObject } from '../../hooks/objects.js';
import { renderScaledObject } from '../../hooks/render.js';
import { sync } from '../../hooks/sync.js';
import { renderedScaledObjectSchema, validateRenderedScaledObject } from '../../schemas/scaled-object.js';
import { crdValidator } from '../support/crd-schema.js';
import { autoscaled, inferenceSet, objectMap } from './builders.js';
import { hooksApp } from './hooks-app.js';

const config = { scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450', triggerAuthentication: 'keda-kaito-scaler-creds' };
const validateScaledObject = crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1');
const decorator = (object: KubeObject) => ({ controller: {}, object, attachments: {}, related: objectMap(), finalizing: false });
const withoutMax = autoscaled({ 'scaledobject.kaito.sh/max-replicas': undefined });

describe('replica counts derived from spec.nodeCountLimit fit an int32', () => {
  it.each<[string, number | string, string | number]>([
    ['the largest int32', 2147483647, 2147483647],
    ['2^31', 2147483648, 'InvalidReplicaRange'],
    ['eleven digits', 99999999999, 'InvalidReplicaRange'],
    ['beyond 2^53 (read as 9007199254740992)', 'RAW:9007199254740993', 'InvalidReplicaRange'],
    ['1e300', 'RAW:1e300', 'InvalidReplicaRange'],
  ])('%s', (_name, limit, expected) => {
    const body =
      typeof limit === 'number'
        ? decorator(inferenceSet(withoutMax, { nodeCountLimit: limit }))
        : JSON.parse(JSON.stringify(decorator(inferenceSet(withoutMax, { nodeCountLimit: 'X' }))).replace('"X"', limit.slice(4)));
    const result = sync(body, config);
    if (typeof expected === 'number') {
      expect(result.ok && 'attachments' in result.value && result.value.attachments[0]?.spec?.['maxReplicaCount']).toBe(expected);
      if (result.ok && 'attachments' in result.value) expect(validateScaledObject(result.value.attachments[0])).toEqual([]);
    } else {
      expect(result).toEqual({ ok: false, problem: { reason: expected, message: expect.stringContaining('int32') } });
    }
  });

  it('says what to do', () => {
    const result = readScaling(inferenceSet(withoutMax, { nodeCountLimit: 2 ** 40 }), []);
    expect(!result.ok && result.problem.message).toMatch(
      /allows 1099511627776 replicas, more than .* \(2147483647, an int32\): set annotation scaledobject\.kaito\.sh\/max-replicas$/,
    );
  });
});

describe('the rendered object is checked before a 200', () => {
  const scaling = { threshold: 10, metricName: 'vllm:num_requests_waiting', minReplicas: 1, maxReplicas: 4 };
  const rendered = renderScaledObject(inferenceSet(autoscaled()), scaling, config) as unknown as Record<string, any>;
  const spec = rendered['spec'];
  const trigger = spec.triggers[0];

  it('the object the hooks render passes, as it passes the CRD', () => {
    expect(validateRenderedScaledObject(rendered)).toEqual({ ok: true, value: rendered });
    expect(validateScaledObject(rendered)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['maxReplicaCount over int32', { ...rendered, spec: { ...spec, maxReplicaCount: 2 ** 31 } }, 'spec.maxReplicaCount'],
    ['maxReplicaCount not a whole number', { ...rendered, spec: { ...spec, maxReplicaCount: 1.5 } }, 'spec.maxReplicaCount'],
    ['minReplicaCount negative', { ...rendered, spec: { ...spec, minReplicaCount: -1 } }, 'spec.minReplicaCount'],
    ['pollingInterval 0', { ...rendered, spec: { ...spec, pollingInterval: 0 } }, 'spec.pollingInterval'],
    [
      'a trigger metadata value that is a number',
      { ...rendered, spec: { ...spec, triggers: [{ ...trigger, metadata: { threshold: 10 } }] } },
      'spec.triggers.0.metadata.threshold',
    ],
    [
      'an empty authentication name',
      { ...rendered, spec: { ...spec, triggers: [{ ...trigger, authenticationRef: { kind: 'ClusterTriggerAuthentication', name: '' } }] } },
      'spec.triggers.0.authenticationRef.name',
    ],
    ['a name in capitals', { ...rendered, metadata: { ...rendered['metadata'], name: 'Upper' } }, 'metadata.name'],
  ])('%s -> InvalidScaledObject naming the field', (_name, object, field) => {
    const result = validateRenderedScaledObject(object);
    expect(result).toEqual({
      ok: false,
      problem: { reason: 'InvalidScaledObject', message: expect.stringContaining(`rendered ScaledObject field ${field} is`) },
    });
  });

  it('a hook whose render goes wrong answers 422 naming the field, never 200', async () => {
    const response = await request(hooksApp({ triggerAuthentication: '' }))
      .post('/sync')
      .send(decorator(inferenceSet(autoscaled())));
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      reason: 'InvalidScaledObject',
      message: expect.stringContaining('rendered ScaledObject field spec.triggers.0.authenticationRef.name'),
    });
  });

  it('bounds every integer field as the CRD does (int32, and its minimum)', () => {
    const integers: Array<[string, { minimum: number; maximum: number }]> = [
      ['pollingInterval', renderedScaledObjectSchema.properties.spec.properties.pollingInterval],
      ['minReplicaCount', renderedScaledObjectSchema.properties.spec.properties.minReplicaCount],
      ['maxReplicaCount', renderedScaledObjectSchema.properties.spec.properties.maxReplicaCount],
    ];
    for (const [field, bounds] of integers) {
      const at = (value: number) => validateScaledObject({ ...rendered, spec: { ...spec, minReplicaCount: 0, [field]: value } });
      expect({
        field,
        max: at(bounds.maximum),
        over: at(bounds.maximum + 1).length > 0,
        min: at(bounds.minimum),
        under: at(bounds.minimum - 1).length > 0,
      }).toEqual({
        field,
        max: [],
        over: true,
        min: [],
        under: true,
      });
    }
  });
});

describe('InferenceSet names and namespaces are checked as the scaler checks them', () => {
  it.each<[string, string, string]>([
    ['a name in capitals', 'Upper', 'default'],
    ['a name with a space', 'has space', 'default'],
    ['a path', '../x', 'default'],
    ['a line break', 'a\nb', 'default'],
    ['a leading dash', '-a', 'default'],
    ['a namespace in capitals', 'phi-4', 'Default'],
    ['a namespace with a space', 'phi-4', 'kube system'],
    ['a namespace with a dot', 'phi-4', 'team.a'],
  ])('%s: /sync and /customize refuse it with 400', async (_name, name, namespace) => {
    const object = inferenceSet(autoscaled(), {}, name, namespace);
    expect(sync(decorator(object), config)).toEqual({
      ok: false,
      problem: { reason: 'InvalidRequest', message: expect.stringMatching(/^request field object\.metadata\.(name|namespace) is /) },
    });
    expect(customize({ controller: {}, parent: object })).toMatchObject({ ok: false, problem: { reason: 'InvalidRequest' } });
    const response = await request(hooksApp()).post('/customize').send({ controller: {}, parent: object });
    expect(response.status).toBe(400);
  });

  it.each([
    ['dots in a name', 'phi-4.mini'],
    ['digits first', '4o'],
  ])('%s are fine', (_name, name) => {
    expect(sync(decorator(inferenceSet(autoscaled(), {}, name)), config).ok).toBe(true);
  });
});
