import {
  createDiscoveryIndex,
  parseAllowedNamespaces,
  replicasOf,
  slimObject,
  type DiscoveryIndex,
  type Kind,
  type SlimObject,
} from '../../../scaler/discovery/cache.js';
import { ANNOTATIONS, WORKSPACE_LABEL } from '../../../schemas/annotations.js';

describe('parseAllowedNamespaces', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['   ', []],
    [',', []],
    [' , ,, ', []],
    ['team-a', ['team-a']],
    ['team-a,team-b', ['team-a', 'team-b']],
    [' team-a , team-b ', ['team-a', 'team-b']],
    ['team-a,,team-b,', ['team-a', 'team-b']],
    ['\tteam-a\n,team-b', ['team-a', 'team-b']],
    ['team-a,team-a', ['team-a']],
    ['*', ['*']],
    [' * ', ['*']],
    ['team-a,*', ['team-a', '*']],
  ])('%j -> %j', (value, expected) => {
    expect(parseAllowedNamespaces(value)).toEqual(expected);
  });
});

const workspaceRaw = {
  apiVersion: 'kaito.sh/v1beta1',
  kind: 'Workspace',
  metadata: {
    name: 'phi-4-0',
    namespace: 'default',
    resourceVersion: '42',
    uid: '0b5d',
    labels: { [WORKSPACE_LABEL]: 'phi-4', 'app.kubernetes.io/name': 'phi-4' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a big": "blob"}' },
    managedFields: [{ manager: 'kaito' }],
  },
  resource: { count: 1, instanceType: 'Standard_NC24ads_A100_v4' },
  inference: { preset: { name: 'phi-4' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

const inferenceSetRaw = {
  apiVersion: 'kaito.sh/v1beta1',
  kind: 'InferenceSet',
  metadata: {
    name: 'phi-4',
    namespace: 'default',
    resourceVersion: '7',
    labels: { [WORKSPACE_LABEL]: 'ignored-on-an-inferenceset' },
    annotations: { [ANNOTATIONS.allowedNamespaces]: 'team-a', 'scaledobject.kaito.sh/threshold': '10' },
  },
  spec: { replicas: 2 },
};

describe('replicasOf: what the readiness gate reads of an InferenceSet', () => {
  it.each<[string, unknown, { desired: number; ready: number }]>([
    ['both set', { spec: { replicas: 3 }, status: { readyReplicas: 2 } }, { desired: 3, ready: 2 }],
    [
      'readyReplicas absent (KAITO omits it while none is ready) = 0',
      { spec: { replicas: 3 }, status: { replicas: 3 } },
      { desired: 3, ready: 0 },
    ],
    ['spec.replicas absent = 1 (its default)', { status: { readyReplicas: 1 } }, { desired: 1, ready: 1 }],
    ['status.replicas is never read', { spec: { replicas: 2 }, status: { replicas: 2 } }, { desired: 2, ready: 0 }],
    ['nothing at all', {}, { desired: 1, ready: 0 }],
    ['values that are not counts read as absent', { spec: { replicas: '3' }, status: { readyReplicas: -1 } }, { desired: 1, ready: 0 }],
    ['scaled to zero', { spec: { replicas: 0 } }, { desired: 0, ready: 0 }],
  ])('%s', (_name, object, expected) => {
    expect(replicasOf(object as Parameters<typeof replicasOf>[0])).toEqual(expected);
  });
});

describe('slimObject keeps only what discovery reads', () => {
  it.each<[string, Kind, unknown, SlimObject]>([
    [
      'a Workspace: name, namespace, resourceVersion, the created-by label',
      'Workspace',
      workspaceRaw,
      { metadata: { name: 'phi-4-0', namespace: 'default', resourceVersion: '42', labels: { [WORKSPACE_LABEL]: 'phi-4' } } },
    ],
    [
      'an InferenceSet: name, namespace, resourceVersion, the allowed-namespaces annotation',
      'InferenceSet',
      inferenceSetRaw,
      {
        metadata: { name: 'phi-4', namespace: 'default', resourceVersion: '7', annotations: { [ANNOTATIONS.allowedNamespaces]: 'team-a' } },
        replicas: { desired: 2, ready: 0 },
      },
    ],
    [
      'an InferenceSet whose spec.replicas is not a whole number >= 0: read as absent (1)',
      'InferenceSet',
      { metadata: { name: 'i', namespace: 'n' }, spec: { replicas: '2' } },
      { metadata: { name: 'i', namespace: 'n' }, replicas: { desired: 1, ready: 0 } },
    ],
    [
      'an InferenceSet with spec.replicas -1',
      'InferenceSet',
      { metadata: { name: 'i', namespace: 'n' }, spec: { replicas: -1 } },
      { metadata: { name: 'i', namespace: 'n' }, replicas: { desired: 1, ready: 0 } },
    ],
    [
      "a Workspace's spec.replicas is not read",
      'Workspace',
      { metadata: { name: 'w', namespace: 'n' }, spec: { replicas: 2 } },
      { metadata: { name: 'w', namespace: 'n' } },
    ],
    [
      'a Workspace being deleted',
      'Workspace',
      { ...workspaceRaw, metadata: { ...workspaceRaw.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } },
      {
        metadata: { name: 'phi-4-0', namespace: 'default', resourceVersion: '42', labels: { [WORKSPACE_LABEL]: 'phi-4' } },
        deleting: true,
      },
    ],
    ['a Workspace without labels', 'Workspace', { metadata: { name: 'w', namespace: 'n' } }, { metadata: { name: 'w', namespace: 'n' } }],
    [
      'an InferenceSet without annotations',
      'InferenceSet',
      { metadata: { name: 'i', namespace: 'n' } },
      { metadata: { name: 'i', namespace: 'n' }, replicas: { desired: 1, ready: 0 } },
    ],
  ])('%s', (_, kind, raw, expected) => {
    expect(slimObject(kind, raw)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'object is null: a Kubernetes object with metadata'],
    ['a string', 'workspace', 'object is "workspace": a Kubernetes object with metadata'],
    ['no metadata', { kind: 'Workspace' }, 'field "metadata" is required: object metadata with a name and a namespace'],
    ['no name', { metadata: { namespace: 'n' } }, 'field "metadata.name" is required: a non-empty name'],
    ['an empty name', { metadata: { name: '', namespace: 'n' } }, 'field "metadata.name" is "": a non-empty name'],
    [
      'no namespace',
      { metadata: { name: 'w' } },
      'field "metadata.namespace" is required: a non-empty namespace (the resource is namespaced)',
    ],
    [
      'a numeric label value',
      { metadata: { name: 'w', namespace: 'n', labels: { a: 1 } } },
      'field "metadata.labels.a" is 1: values of labels and annotations are strings',
    ],
    [
      'labels as a list',
      { metadata: { name: 'w', namespace: 'n', labels: ['a'] } },
      'field "metadata.labels" is ["a"]: a map of strings to strings',
    ],
    [
      'a numeric resourceVersion',
      { metadata: { name: 'w', namespace: 'n', resourceVersion: 5 } },
      'field "metadata.resourceVersion" is 5: an opaque string',
    ],
  ])('rejects %s, naming the field and the rule', (_, raw, message) => {
    expect(slimObject('Workspace', raw)).toEqual({ ok: false, problem: { reason: 'MalformedObject', message } });
  });
});

const ws = (name: string, owner?: string, options: { namespace?: string; deleting?: boolean } = {}): SlimObject => ({
  metadata: { name, namespace: options.namespace ?? 'default', ...(owner === undefined ? {} : { labels: { [WORKSPACE_LABEL]: owner } }) },
  ...(options.deleting ? { deleting: true as const } : {}),
});
const set = (name: string, allowed?: string, namespace = 'default'): SlimObject => ({
  metadata: { name, namespace, ...(allowed === undefined ? {} : { annotations: { [ANNOTATIONS.allowedNamespaces]: allowed } }) },
});

type Step = (index: DiscoveryIndex) => void;
const putSet =
  (object: SlimObject): Step =>
  (index) =>
    index.putInferenceSet(object);
const deleteSet =
  (object: SlimObject): Step =>
  (index) =>
    index.deleteInferenceSet(object);
const putWs =
  (object: SlimObject): Step =>
  (index) =>
    index.putWorkspace(object);
const deleteWs =
  (object: SlimObject): Step =>
  (index) =>
    index.deleteWorkspace(object);

describe('the discovery index', () => {
  it.each<[string, Step[], [string, string], { allowedNamespaces: string[]; workspaces: string[] } | undefined]>([
    ['an unknown InferenceSet', [putWs(ws('a-0', 'a'))], ['default', 'a'], undefined],
    ['an InferenceSet without Workspaces', [putSet(set('a'))], ['default', 'a'], { allowedNamespaces: [], workspaces: [] }],
    [
      'its Workspaces, sorted by name',
      [putSet(set('a')), putWs(ws('a-1', 'a')), putWs(ws('a-0', 'a')), putWs(ws('b-0', 'b')), putWs(ws('loose'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-0', 'a-1'] },
    ],
    [
      'Workspaces arriving before their InferenceSet',
      [putWs(ws('a-0', 'a')), putSet(set('a'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-0'] },
    ],
    [
      'only Workspaces of the same namespace',
      [putSet(set('a')), putWs(ws('a-0', 'a')), putWs(ws('a-9', 'a', { namespace: 'other' }))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-0'] },
    ],
    [
      'a Workspace being deleted is not a target',
      [putSet(set('a')), putWs(ws('a-0', 'a')), putWs(ws('a-1', 'a', { deleting: true }))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-0'] },
    ],
    [
      'a Workspace whose deletion was cancelled is a target again',
      [putSet(set('a')), putWs(ws('a-0', 'a', { deleting: true })), putWs(ws('a-0', 'a'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-0'] },
    ],
    [
      'a deleted Workspace',
      [putSet(set('a')), putWs(ws('a-0', 'a')), putWs(ws('a-1', 'a')), deleteWs(ws('a-0', 'a'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: ['a-1'] },
    ],
    [
      'a Workspace relabelled to another InferenceSet',
      [putSet(set('a')), putSet(set('b')), putWs(ws('x', 'a')), putWs(ws('x', 'b'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: [] },
    ],
    [
      'a relabelled Workspace appears under its new InferenceSet',
      [putSet(set('b')), putWs(ws('x', 'a')), putWs(ws('x', 'b'))],
      ['default', 'b'],
      { allowedNamespaces: [], workspaces: ['x'] },
    ],
    [
      'a Workspace that lost its label',
      [putSet(set('a')), putWs(ws('x', 'a')), putWs(ws('x'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: [] },
    ],
    [
      'an empty label belongs to no InferenceSet',
      [putSet(set('')), putWs(ws('x', ''))],
      ['default', ''],
      { allowedNamespaces: [], workspaces: [] },
    ],
    ['a deleted InferenceSet', [putSet(set('a')), putWs(ws('a-0', 'a')), deleteSet(set('a'))], ['default', 'a'], undefined],
    [
      'the allowed namespaces of the latest version',
      [putSet(set('a', 'team-a')), putSet(set('a', ' team-b, *'))],
      ['default', 'a'],
      { allowedNamespaces: ['team-b', '*'], workspaces: [] },
    ],
    [
      'deleting what is not there changes nothing',
      [putSet(set('a')), deleteWs(ws('ghost', 'a')), deleteSet(set('ghost'))],
      ['default', 'a'],
      { allowedNamespaces: [], workspaces: [] },
    ],
    ['same name in another namespace', [putSet(set('a', undefined, 'other'))], ['default', 'a'], undefined],
  ])('%s', (_, steps, [namespace, name], expected) => {
    const index = createDiscoveryIndex();
    for (const step of steps) step(index);
    const view = index.lookup(namespace, name);
    if (expected === undefined) {
      expect(view).toBeUndefined();
      return;
    }
    expect(view).toEqual({
      namespace,
      name,
      allowedNamespaces: expected.allowedNamespaces,
      workspaces: expected.workspaces.map((member) => ({ name: member })),
    });
  });

  it("keeps an InferenceSet's spec.replicas for the fallback, and forgets it when an update drops it", () => {
    const index = createDiscoveryIndex();
    index.putInferenceSet({ ...set('a'), replicas: { desired: 2, ready: 1 } });
    expect(index.lookup('default', 'a')?.replicas).toEqual({ desired: 2, ready: 1 });
    index.putInferenceSet(set('a'));
    expect(index.lookup('default', 'a')).not.toHaveProperty('replicas');
  });

  it('counts objects per kind and forgets one kind on clear', () => {
    const index = createDiscoveryIndex();
    index.putInferenceSet(set('a'));
    index.putWorkspace(ws('a-0', 'a'));
    index.putWorkspace(ws('a-1', 'a', { deleting: true }));
    index.putWorkspace(ws('a-1', 'a', { deleting: true }));
    expect([index.size('InferenceSet'), index.size('Workspace')]).toEqual([1, 2]);
    index.clear('Workspace');
    expect([index.size('InferenceSet'), index.size('Workspace')]).toEqual([1, 0]);
    expect(index.lookup('default', 'a')?.workspaces).toEqual([]);
    index.clear('InferenceSet');
    expect(index.lookup('default', 'a')).toBeUndefined();
  });
});
