import { ok, type Result } from '../lib/result.js';
import { WORKSPACE_LABEL } from '../schemas/annotations.js';
import { validateCustomize } from '../schemas/hook-requests.js';
import type { KubeObject } from './objects.js';
import { SCALED_OBJECT_API_VERSION } from './render.js';

export interface RelatedResourceRule {
  readonly apiVersion: string;
  readonly resource: string;
  readonly namespace: string;
  readonly labelSelector?: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly names?: readonly string[];
}

/**
 * The customize hook: what the sync hook needs to see besides the InferenceSet. Its
 * Workspaces (how many nodes a replica takes) and the ScaledObject of the same name
 * (whether someone else already manages one).
 *
 * @param kaitoApiVersion the API version to read Workspaces in.
 */
export function customize(body: unknown, kaitoApiVersion: string): Result<{ relatedResources: RelatedResourceRule[] }> {
  const request = validateCustomize(body);
  if (!request.ok) return request;
  const { name, namespace = '' } = (body as { parent: KubeObject }).parent.metadata;
  return ok({
    relatedResources: [
      {
        apiVersion: kaitoApiVersion,
        resource: 'workspaces',
        namespace,
        labelSelector: { matchLabels: { [WORKSPACE_LABEL]: name } },
      },
      { apiVersion: SCALED_OBJECT_API_VERSION, resource: 'scaledobjects', namespace, names: [name] },
    ],
  });
}
