import type { KubeObject } from './fake-api-server.js';

/**
 * InferenceSets and Workspaces shaped like what a KAITO cluster stores: managedFields,
 * ownerReferences, finalizers, kubectl's last-applied-configuration, a status with
 * conditions. The scaler keeps a few fields of each; the rest is what its lists carry.
 */
const CREATED = '2026-11-20T08:00:00Z';
const CHANGED = '2026-11-27T09:00:00Z';

const managedField = (manager: string, fields: object) => ({
  manager,
  operation: 'Update',
  apiVersion: 'kaito.sh/v1beta1',
  time: CHANGED,
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
});

const condition = (type: string, reason: string, message: string) => ({
  type,
  status: 'True',
  lastTransitionTime: CHANGED,
  observedGeneration: 1,
  reason,
  message,
});

export function inferenceSetObject(namespace: string, name: string, index: number): KubeObject {
  const spec = {
    replicas: 5,
    nodeCountLimit: 10,
    labelSelector: { matchLabels: { apps: name } },
    template: {
      resource: { instanceType: 'Standard_NC24ads_A100_v4' },
      inference: { preset: { name: 'phi-4-mini-instruct' } },
    },
  };
  const annotations = {
    'scaledobject.kaito.sh/auto-provision': 'true',
    'scaledobject.kaito.sh/threshold': '10',
    'scaledobject.kaito.sh/max-replicas': '8',
    ...(index % 10 === 0 ? { 'scaledobject.kaito.sh/allowed-namespaces': 'monitoring' } : {}),
  };
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'InferenceSet',
    metadata: {
      name,
      namespace,
      uid: uid(index, 1),
      generation: 3,
      creationTimestamp: CREATED,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'inference-platform' },
      annotations: {
        ...annotations,
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          apiVersion: 'kaito.sh/v1beta1',
          kind: 'InferenceSet',
          metadata: { name, namespace, annotations },
          spec,
        }),
      },
      finalizers: ['inferenceset.kaito.sh/finalizer'],
      managedFields: [
        managedField('kubectl-client-side-apply', {
          'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
          'f:spec': { '.': {}, 'f:labelSelector': {}, 'f:nodeCountLimit': {}, 'f:replicas': {}, 'f:template': {} },
        }),
        managedField('kaito-controller', { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"inferenceset.kaito.sh/finalizer"': {} } } }),
        {
          ...managedField('kaito-controller', { 'f:status': { '.': {}, 'f:conditions': {}, 'f:readyReplicas': {}, 'f:replicas': {} } }),
          subresource: 'status',
        },
        { ...managedField('keda', { 'f:spec': { 'f:replicas': {} } }), subresource: 'scale' },
      ],
    },
    spec,
    status: {
      replicas: 5,
      readyReplicas: 5,
      selector: `apps=${name}`,
      conditions: [condition('Ready', 'AllWorkspacesReady', 'all 5 workspaces are ready')],
    },
  };
}

export function workspaceObject(namespace: string, owner: string, ordinal: number, index: number): KubeObject {
  const name = `${owner}-${ordinal}`;
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: {
      name,
      namespace,
      uid: uid(index, 2),
      generation: 1,
      creationTimestamp: CREATED,
      labels: { 'inferenceset.kaito.sh/created-by': owner, 'kaito.sh/workspace': name, apps: owner },
      annotations: { 'kaito.sh/revision': '1', 'kaito.sh/runtime': 'vllm' },
      finalizers: ['workspace.finalizer.kaito.sh'],
      ownerReferences: [
        {
          apiVersion: 'kaito.sh/v1beta1',
          kind: 'InferenceSet',
          name: owner,
          uid: uid(index, 1),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        managedField('kaito-controller', {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:kaito.sh/revision': {}, 'f:kaito.sh/runtime': {} },
            'f:finalizers': {},
            'f:labels': {},
            'f:ownerReferences': {},
          },
          'f:inference': { '.': {}, 'f:preset': { '.': {}, 'f:name': {} } },
          'f:resource': { '.': {}, 'f:count': {}, 'f:instanceType': {}, 'f:labelSelector': {} },
        }),
        {
          ...managedField('kaito-controller', {
            'f:status': { '.': {}, 'f:conditions': {}, 'f:targetNodeCount': {}, 'f:workerNodes': {} },
          }),
          subresource: 'status',
        },
      ],
    },
    resource: { count: 1, instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: owner } } },
    inference: { preset: { name: 'phi-4-mini-instruct' } },
    status: {
      targetNodeCount: 1,
      workerNodes: [`aks-gpu${String(index).padStart(5, '0')}-12345678-vmss000000`],
      conditions: [
        condition('ResourceReady', 'ResourcesReady', 'the nodes are ready'),
        condition('NodeClaimReady', 'NodeClaimsReady', 'the node claims are ready'),
        condition('InferenceReady', 'InferenceReady', 'the inference service is ready'),
        condition('WorkspaceSucceeded', 'WorkspaceSucceeded', 'the workspace succeeded'),
      ],
    },
  };
}

function uid(index: number, kind: number): string {
  const hex = (index * 16 + kind).toString(16).padStart(12, '0');
  return `6f1c2a3b-4d5e-4f60-8a7b-${hex}`;
}
