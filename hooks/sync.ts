import { fail, ok, type Result } from '../lib/result.js';
import { WORKSPACE_LABEL } from '../schemas/annotations.js';
import { validateCompositeSync, validateDecoratorSync } from '../schemas/hook-requests.js';
import { validateRenderedScaledObject } from '../schemas/scaled-object.js';
import { readScaling } from './annotations.js';
import { objectsOfKind, type KubeObject, type ObjectMap } from './objects.js';
import { conflictingAutoscaler } from './conflicts.js';
import { renderScaledObject, type RenderConfig } from './render.js';
import { renderCompositeScaledObject } from './render-composite.js';

interface SyncInput {
  readonly inferenceSet: KubeObject;
  readonly owned: ObjectMap | undefined;
  readonly related: ObjectMap | undefined;
}

/**
 * The sync hook. Metacontroller's DecoratorController (hook v2) sends `object` and
 * `attachments` and wants `{attachments}`; a CompositeController sends `parent` and
 * `children` and wants `{children}`. Both get the same decision. The answer never carries
 * labels, annotations or status: KAITO owns the InferenceSet, and its status backs the
 * /scale subresource KEDA drives.
 *
 * A problem leaves the cluster as it is: the handler answers it with a non-200 status, so
 * Metacontroller keeps the ScaledObject it has and records the message in an Event.
 */
export function sync(body: unknown, config: RenderConfig): Result<{ attachments: KubeObject[] } | { children: KubeObject[] }> {
  if (isObject(body) && 'object' in body) {
    const request = validateDecoratorSync(body);
    if (!request.ok) return request;
    const { object, attachments, related } = body as { object: KubeObject; attachments?: ObjectMap; related?: ObjectMap };
    const desired = desiredScaledObjects({ inferenceSet: object, owned: attachments, related }, config);
    return desired.ok ? ok({ attachments: desired.value }) : desired;
  }
  if (isObject(body) && 'parent' in body) {
    const request = validateCompositeSync(body);
    if (!request.ok) return request;
    const { parent, children, related } = body as { parent: KubeObject; children?: ObjectMap; related?: ObjectMap };
    const desired = desiredScaledObjects({ inferenceSet: parent, owned: children, related }, config);
    return desired.ok ? ok({ children: desired.value }) : desired;
  }
  return fail(
    'InvalidRequest',
    'request body must be a Metacontroller sync request: {object, attachments, related} from a DecoratorController ' +
      'or {parent, children, related} from a CompositeController',
  );
}

function desiredScaledObjects({ inferenceSet, owned, related }: SyncInput, config: RenderConfig): Result<KubeObject[]> {
  const { name, namespace } = inferenceSet.metadata;
  const workspaces = objectsOfKind(related, 'Workspace', 'kaito.sh').filter(
    (workspace) => workspace.metadata.namespace === namespace && workspace.metadata.labels?.[WORKSPACE_LABEL] === name,
  );
  const scaling = readScaling(inferenceSet, workspaces);
  if (!scaling.ok) return scaling;
  if (scaling.value === undefined) return ok([]);

  const conflict = conflictingAutoscaler(inferenceSet, owned, related);
  if (conflict !== undefined) return fail('ScaledObjectConflict', conflict);
  // The last line of defence: never a 200 with an object the API server would refuse.
  const { value } = scaling;
  const rendered =
    'policy' in value ? renderCompositeScaledObject(inferenceSet, value, config) : renderScaledObject(inferenceSet, value, config);
  const checked = validateRenderedScaledObject(rendered);
  return checked.ok ? ok([rendered]) : checked;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
