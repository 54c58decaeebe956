import { compile } from './compile.js';

/** The annotations an InferenceSet carries to be autoscaled. */
export const ANNOTATION_PREFIX = 'scaledobject.kaito.sh/';

export const ANNOTATIONS = {
  autoProvision: `${ANNOTATION_PREFIX}auto-provision`,
  threshold: `${ANNOTATION_PREFIX}threshold`,
  metricName: `${ANNOTATION_PREFIX}metricName`,
  minReplicas: `${ANNOTATION_PREFIX}min-replicas`,
  maxReplicas: `${ANNOTATION_PREFIX}max-replicas`,
  allowedNamespaces: `${ANNOTATION_PREFIX}allowed-namespaces`,
  managedBy: `${ANNOTATION_PREFIX}managed-by`,
} as const;

export const DEFAULT_METRIC_NAME = 'vllm:num_requests_waiting';

/** The label KAITO puts on every Workspace of an InferenceSet, naming the InferenceSet. */
export const WORKSPACE_LABEL = 'inferenceset.kaito.sh/created-by';

/**
 * The form of each value once `auto-provision` is "true". Kubernetes annotation values are
 * always strings, so numbers are checked as text: nine digits at most keeps every value an
 * int32, which is what the ScaledObject's replica counts are.
 */
export const annotationsSchema = {
  type: 'object',
  required: [ANNOTATIONS.threshold],
  properties: {
    [ANNOTATIONS.threshold]: {
      type: 'string',
      pattern: '^0*[1-9][0-9]{0,8}$',
      'x-reason': 'InvalidThreshold',
      description: 'the per-replica target must be a whole number greater than 0 (0 would make KEDA treat the target as unset)',
    },
    [ANNOTATIONS.metricName]: {
      type: 'string',
      pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$',
      maxLength: 200,
      'x-reason': 'InvalidMetricName',
      description: `must be a Prometheus metric name as the replicas' /metrics page exposes it, e.g. ${DEFAULT_METRIC_NAME}`,
    },
    [ANNOTATIONS.minReplicas]: {
      type: 'string',
      pattern: '^-?[0-9]{1,9}$',
      'x-reason': 'InvalidReplicaRange',
      description: 'must be a whole number (values of 1 or less mean 1)',
    },
    [ANNOTATIONS.maxReplicas]: {
      type: 'string',
      pattern: '^[0-9]{1,9}$',
      'x-reason': 'InvalidReplicaRange',
      description: 'must be a whole number greater than 1 and not less than min-replicas',
    },
  },
} as const;

export type Annotations = Readonly<Record<string, string>>;

export const validateAnnotations = compile<Annotations>(annotationsSchema, {
  reason: 'InvalidAnnotation',
  describe: (path) => `annotation ${path}`,
});
