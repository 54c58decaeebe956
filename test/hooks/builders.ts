import type { KubeObject } from '../../hooks/objects.js';

/** An InferenceSet as Metacontroller sends it, with the given annotations and spec fields. */
export function inferenceSet(
  annotations: Record<string, string>,
  spec: Record<string, unknown> = {},
  name = 'phi-4-mini',
  namespace = 'default',
): KubeObject {
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'InferenceSet',
    metadata: { name, namespace, annotations },
    spec: { replicas: 1, labelSelector: { matchLabels: { apps: name } }, template: { inference: { preset: { name } } }, ...spec },
  };
}

/** Annotations that ask for autoscaling, plus the given ones (undefined removes a key). */
export function autoscaled(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = {
    'scaledobject.kaito.sh/auto-provision': 'true',
    'scaledobject.kaito.sh/threshold': '10',
    'scaledobject.kaito.sh/max-replicas': '4',
    ...extra,
  };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function workspace(name: string, owner: string, targetNodeCount?: number, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name, namespace, labels: { 'inferenceset.kaito.sh/created-by': owner } },
    ...(targetNodeCount === undefined ? {} : { status: { targetNodeCount } }),
  };
}

export function scaledObject(name: string, annotations?: Record<string, string>, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: { scaleTargetRef: { name } },
  };
}

/** Metacontroller's v2 grouping: `Kind.group/version` -> `namespace/name` -> object. */
export function objectMap(...objects: KubeObject[]): Record<string, Record<string, KubeObject>> {
  const map: Record<string, Record<string, KubeObject>> = {};
  for (const object of objects) {
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const key = group ? `${object.kind}.${group}/${version}` : `${object.kind}.${version}`;
    map[key] = { ...map[key], [`${object.metadata.namespace}/${object.metadata.name}`]: object };
  }
  return map;
}
