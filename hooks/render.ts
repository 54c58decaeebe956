import { ANNOTATIONS } from '../schemas/annotations.js';
import type { Scaling } from './annotations.js';
import type { KubeObject } from './objects.js';

export const MANAGER = 'keda-kaito-scaler';
export const SCALED_OBJECT_API_VERSION = 'keda.sh/v1alpha1';

/** Where the rendered ScaledObjects send KEDA. */
export interface RenderConfig {
  readonly scalerAddress: string;
  readonly triggerAuthentication: string;
}

/**
 * The ScaledObject for an InferenceSet: same name and namespace, and nothing Metacontroller
 * or the API server owns (no ownerReferences, no status). Key order is fixed, so the same
 * input always serializes to the same bytes and Metacontroller never sees a change that
 * is not one.
 *
 * `enableTLS` makes KEDA dial the scaler over TLS even when it finds no certificate for the
 * trigger's authentication (Secrets outside its cluster-object namespace): the call then
 * fails the handshake, visibly, instead of going out in plaintext. There is no
 * `pollingInterval`: with minReplicaCount >= 1 KEDA does not use it (the HPA polls), and its
 * admission webhook warns about it on every write.
 */
export function renderScaledObject(inferenceSet: KubeObject, scaling: Scaling, config: RenderConfig): KubeObject {
  const { name, namespace = '' } = inferenceSet.metadata;
  return {
    apiVersion: SCALED_OBJECT_API_VERSION,
    kind: 'ScaledObject',
    metadata: {
      name,
      namespace,
      annotations: { [ANNOTATIONS.managedBy]: MANAGER },
    },
    spec: {
      scaleTargetRef: { apiVersion: inferenceSet.apiVersion, kind: inferenceSet.kind, name },
      minReplicaCount: scaling.minReplicas,
      maxReplicaCount: scaling.maxReplicas,
      advanced: { horizontalPodAutoscalerConfig: { behavior } },
      triggers: [
        {
          type: 'external',
          name: MANAGER,
          metricType: 'AverageValue',
          authenticationRef: { kind: 'ClusterTriggerAuthentication', name: config.triggerAuthentication },
          metadata: {
            scalerAddress: config.scalerAddress,
            enableTLS: 'true',
            inferenceSetName: name,
            inferenceSetNamespace: namespace,
            metricName: scaling.metricName,
            threshold: String(scaling.threshold),
          },
        },
      ],
    },
  };
}

/**
 * Conservative on purpose: a GPU replica costs money every minute it runs and drops live
 * requests when it goes, so scale up one Pod at a time after a minute of sustained load and
 * scale down one Pod per ten minutes after five quiet ones. Tolerances are written as the
 * API server's canonical quantities ("100m", not "0.1"): it would rewrite any other form,
 * and the difference would look like a change on every sync.
 */
const behavior = {
  scaleUp: {
    stabilizationWindowSeconds: 60,
    policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
    tolerance: '100m',
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }],
    tolerance: '500m',
  },
} as const;
