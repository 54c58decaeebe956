import { fail, ok, type Result } from '../lib/result.js';
import { ANNOTATIONS, DEFAULT_METRIC_NAME, validateAnnotations } from '../schemas/annotations.js';
import { COMPOSITE_ANNOTATIONS } from '../schemas/composite-annotations.js';
import { readCompositePolicy, type CompositePolicy } from './composite.js';
import type { KubeObject } from './objects.js';

/** What an InferenceSet's annotations ask for, once checked. */
export interface Scaling {
  readonly threshold: number;
  readonly metricName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** What the annotations ask for in composite mode (`metrics`): several signals, one formula. */
export interface CompositeScaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly policy: CompositePolicy;
}

/** maxReplicaCount is an int32 in KEDA's CRD. */
const MAX_REPLICA_COUNT = 2 ** 31 - 1;

/** KEDA names the HPA `keda-hpa-<name>`, and that must fit in 63 characters. */
export const MAX_NAME_LENGTH = 54;

/**
 * The annotation rules. `undefined` means autoscaling is not asked for (any value of
 * `auto-provision` other than exactly "true"); a problem means the annotations ask for it
 * but cannot be honoured as written.
 *
 * @param workspaces the InferenceSet's Workspaces, which say how many nodes one replica
 *   takes when `max-replicas` is derived from `spec.nodeCountLimit`.
 */
export function readScaling(inferenceSet: KubeObject, workspaces: readonly KubeObject[]): Result<Scaling | CompositeScaling | undefined> {
  const annotations = inferenceSet.metadata.annotations ?? {};
  if (annotations[ANNOTATIONS.autoProvision] !== 'true') return ok(undefined);

  const name = inferenceSet.metadata.name;
  if (name.length > MAX_NAME_LENGTH) {
    return fail(
      'NameTooLong',
      `InferenceSet name "${name}" has ${name.length} characters; KEDA names the HPA of a ScaledObject ` +
        `keda-hpa-<name>, which allows at most ${MAX_NAME_LENGTH}. Use a shorter name to autoscale it.`,
    );
  }

  if (annotations[COMPOSITE_ANNOTATIONS.metrics] !== undefined) {
    const policy = readCompositePolicy(annotations);
    if (!policy.ok) return policy;
    const minReplicas = Math.max(1, Number(annotations[ANNOTATIONS.minReplicas] ?? '1'));
    const maxReplicas = readMaxReplicas(inferenceSet, workspaces, minReplicas);
    return maxReplicas.ok ? ok({ minReplicas, maxReplicas: maxReplicas.value, policy: policy.value }) : maxReplicas;
  }

  const checked = validateAnnotations({ ...annotations });
  if (!checked.ok) return checked;

  const minReplicas = Math.max(1, Number(annotations[ANNOTATIONS.minReplicas] ?? '1'));
  const maxReplicas = readMaxReplicas(inferenceSet, workspaces, minReplicas);
  if (!maxReplicas.ok) return maxReplicas;

  return ok({
    threshold: Number(annotations[ANNOTATIONS.threshold]),
    metricName: annotations[ANNOTATIONS.metricName] ?? DEFAULT_METRIC_NAME,
    minReplicas,
    maxReplicas: maxReplicas.value,
  });
}

function readMaxReplicas(inferenceSet: KubeObject, workspaces: readonly KubeObject[], minReplicas: number): Result<number> {
  const written = inferenceSet.metadata.annotations?.[ANNOTATIONS.maxReplicas];
  if (written !== undefined) {
    const maxReplicas = Number(written);
    if (maxReplicas <= 1 || maxReplicas < minReplicas) {
      return fail(
        'InvalidReplicaRange',
        `annotation ${ANNOTATIONS.maxReplicas} is "${written}": must be greater than 1 and not less than ` +
          `min-replicas (${minReplicas})`,
      );
    }
    return ok(maxReplicas);
  }

  const limit = inferenceSet.spec?.['nodeCountLimit'];
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) {
    return fail(
      'MissingMaxReplicas',
      `annotation ${ANNOTATIONS.maxReplicas} is not set and spec.nodeCountLimit ` +
        `${limit === undefined ? 'is not set either' : `is ${JSON.stringify(limit)}, not a positive whole number`}: ` +
        `set one of them to bound how far the InferenceSet may scale`,
    );
  }
  const nodesPerReplica = nodesPerReplicaOf(workspaces);
  const maxReplicas = Math.floor(limit / nodesPerReplica);
  if (maxReplicas > MAX_REPLICA_COUNT) {
    return fail(
      'InvalidReplicaRange',
      `spec.nodeCountLimit ${limit} with ${nodesPerReplica} node(s) per replica allows ${maxReplicas} replicas, more than a ` +
        `ScaledObject's maxReplicaCount can hold (${MAX_REPLICA_COUNT}, an int32): set annotation ${ANNOTATIONS.maxReplicas}`,
    );
  }
  if (maxReplicas <= 1 || maxReplicas < minReplicas) {
    return fail(
      'InvalidReplicaRange',
      `spec.nodeCountLimit ${limit} with ${nodesPerReplica} node(s) per replica allows ${maxReplicas} replica(s); ` +
        `autoscaling needs more than 1 and at least min-replicas (${minReplicas}): raise spec.nodeCountLimit or ` +
        `set annotation ${ANNOTATIONS.maxReplicas}`,
    );
  }
  return ok(maxReplicas);
}

/** The first Workspace (by namespace/name) that reports a node count; 1 when none does yet. */
function nodesPerReplicaOf(workspaces: readonly KubeObject[]): number {
  for (const workspace of workspaces) {
    const count = workspace.status?.['targetNodeCount'];
    if (typeof count === 'number' && Number.isInteger(count) && count > 0) return count;
  }
  return 1;
}
