import { ANNOTATIONS } from '../schemas/annotations.js';
import { unattached, type KubeObject, type ObjectMap } from './objects.js';
import { MANAGER } from './render.js';

/** KEDA skips an HPA carrying this annotation with "false" when it checks who drives a workload. */
export const HPA_OWNERSHIP_VALIDATION = 'validations.keda.sh/hpa-ownership';

const RESOLVE =
  `Delete it to let keda-kaito-scaler manage autoscaling, or remove annotation ${ANNOTATIONS.autoProvision} ` +
  'from the InferenceSet to keep it.';

/**
 * Another autoscaler of this InferenceSet, which would make ours fail or do nothing:
 *  - a ScaledObject that is not attached to it, either of its name (Metacontroller never
 *    adopts: creating ours fails as AlreadyExists, silently) or of any name whose
 *    `scaleTargetRef` is this InferenceSet (KEDA's admission webhook refuses a second
 *    ScaledObject for one workload). Our `managed-by` annotation proves nothing: other
 *    installs write the same one;
 *  - a HorizontalPodAutoscaler targeting it that KEDA did not make for our ScaledObject
 *    (KEDA refuses a ScaledObject for a workload another HPA drives).
 * The description names the object and what to do; undefined when there is none.
 */
export function conflictingAutoscaler(
  inferenceSet: KubeObject,
  attached: ObjectMap | undefined,
  related: ObjectMap | undefined,
): string | undefined {
  const { name, namespace } = inferenceSet.metadata;
  const scaledObject = unattached(attached, related, 'ScaledObject', 'keda.sh', namespace).find(
    (object) => object.metadata.name === name || targets(object, inferenceSet),
  );
  if (scaledObject) {
    const found = scaledObject.metadata.name;
    const relation = found === name ? 'has the name of ours' : `targets InferenceSet ${name}`;
    const marked =
      scaledObject.metadata.annotations?.[ANNOTATIONS.managedBy] === MANAGER
        ? ` (it carries ${ANNOTATIONS.managedBy}: ${MANAGER}, but another install made it)`
        : '';
    return (
      `ScaledObject ${namespace}/${found} ${relation} and is not managed by this InferenceSet's DecoratorController${marked}; ` +
      `KEDA lets one autoscaler drive a workload, so it is left untouched. ${RESOLVE}`
    );
  }

  const hpa = unattached(attached, related, 'HorizontalPodAutoscaler', 'autoscaling', namespace).find(
    (object) => targets(object, inferenceSet) && !madeForOurs(object, name) && !skippedByKeda(object),
  );
  if (hpa) {
    return (
      `HorizontalPodAutoscaler ${namespace}/${hpa.metadata.name} targets InferenceSet ${name}; KEDA refuses a ScaledObject ` +
      `for a workload another HPA drives. ${RESOLVE}`
    );
  }
  return undefined;
}

/** `spec.scaleTargetRef` names this InferenceSet: same kind and API group (any version), same name. */
function targets(object: KubeObject, inferenceSet: KubeObject): boolean {
  const ref = object.spec?.['scaleTargetRef'] as { apiVersion?: unknown; kind?: unknown; name?: unknown } | undefined;
  if (typeof ref !== 'object' || ref === null) return false;
  const sameGroup = groupOf(ref.apiVersion) === groupOf(inferenceSet.apiVersion);
  return ref.name === inferenceSet.metadata.name && ref.kind === inferenceSet.kind && sameGroup;
}

function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

/** KEDA's HPA for our ScaledObject: owned by the ScaledObject of the InferenceSet's name. */
function madeForOurs(hpa: KubeObject, name: string): boolean {
  return (hpa.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'ScaledObject' && owner.name === name);
}

function skippedByKeda(hpa: KubeObject): boolean {
  return hpa.metadata.annotations?.[HPA_OWNERSHIP_VALIDATION] === 'false';
}
