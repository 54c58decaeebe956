import { ok, type Result } from '../lib/result.js';
import { WORKSPACE_LABEL } from '../schemas/annotations.js';
import { validateCustomize } from '../schemas/hook-requests.js';
import type { KubeObject } from './objects.js';
import { SCALED_OBJECT_API_VERSION } from './render.js';

/**
 * One entry of a customize answer, with exactly the keys of Metacontroller's
 * RelatedResourceRule (v4.17.2 pkg/apis/metacontroller/v1alpha1/types.go) that we use.
 */
export interface RelatedResourceRule {
  readonly apiVersion: string;
  readonly resource: string;
  readonly namespace: string;
  readonly labelSelector?: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly names?: readonly string[];
}

/**
 * Workspaces are read as v1beta1 whatever version InferenceSets are served in: every KAITO
 * release with InferenceSets serves Workspaces as v1beta1, and v1alpha1 has no
 * `status.targetNodeCount` (the API server would prune it while converting).
 */
export const WORKSPACE_API_VERSION = 'kaito.sh/v1beta1';
export const HPA_API_VERSION = 'autoscaling/v2';

/**
 * The customize hook: what the sync hook needs to see besides the InferenceSet, all in its
 * namespace. Its Workspaces (how many nodes a replica takes), and every ScaledObject and
 * HorizontalPodAutoscaler: KEDA's admission webhook lets one autoscaler drive a workload,
 * so any of them that targets this InferenceSet, whatever its name, would make KEDA refuse
 * ours.
 *
 * `namespace` with `labelSelector` needs Metacontroller v4.15.0 or newer (older releases
 * refuse the combination); so does the v2 request shape the sync hook reads.
 */
export function customize(body: unknown): Result<{ relatedResources: RelatedResourceRule[] }> {
  const request = validateCustomize(body);
  if (!request.ok) return request;
  const { name, namespace = '' } = (body as { parent: KubeObject }).parent.metadata;
  return ok({
    relatedResources: [
      { apiVersion: WORKSPACE_API_VERSION, resource: 'workspaces', namespace, labelSelector: { matchLabels: { [WORKSPACE_LABEL]: name } } },
      { apiVersion: SCALED_OBJECT_API_VERSION, resource: 'scaledobjects', namespace },
      { apiVersion: HPA_API_VERSION, resource: 'horizontalpodautoscalers', namespace },
    ],
  });
}
