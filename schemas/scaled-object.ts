import { compile } from './compile.js';
import { NAMESPACE, OBJECT_NAME } from './patterns.js';

/**
 * The fields of a ScaledObject the hooks write, with the types and ranges KEDA's CRD gives
 * them (keda.sh_scaledobjects.yaml, keda.sh/v1alpha1): the last check of a rendered object
 * before a hook answers 200, so that Metacontroller is never told a sync succeeded with an
 * object the API server will refuse.
 */
const INT32_MAX = 2 ** 31 - 1;

const int32 = (minimum: number, what: string) =>
  ({
    type: 'integer',
    minimum,
    maximum: INT32_MAX,
    description: `${what} must be a whole number from ${minimum} to ${INT32_MAX} (int32)`,
  }) as const;

const nonEmpty = (what: string) => ({ type: 'string', minLength: 1, description: `${what} must be a non-empty string` }) as const;

const policy = {
  type: 'object',
  required: ['type', 'value', 'periodSeconds'],
  properties: {
    type: { enum: ['Pods', 'Percent'], description: 'a scaling policy type is Pods or Percent' },
    value: int32(1, 'a scaling policy value'),
    periodSeconds: int32(1, 'a scaling policy period'),
  },
} as const;

const rules = {
  type: 'object',
  properties: {
    stabilizationWindowSeconds: int32(0, 'a stabilization window'),
    policies: { type: 'array', items: policy, description: 'must be a list of scaling policies' },
    tolerance: {
      type: 'string',
      pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
      description: 'a tolerance must be a Kubernetes quantity',
    },
  },
} as const;

const trigger = {
  type: 'object',
  required: ['type', 'metadata'],
  properties: {
    type: nonEmpty('a trigger type'),
    name: nonEmpty('a trigger name'),
    metricType: { enum: ['AverageValue', 'Value', 'Utilization'], description: 'a metric type is AverageValue, Value or Utilization' },
    authenticationRef: {
      type: 'object',
      required: ['name'],
      properties: {
        kind: {
          enum: ['TriggerAuthentication', 'ClusterTriggerAuthentication'],
          description: 'must name a (Cluster)TriggerAuthentication',
        },
        name: nonEmpty('an authentication name'),
      },
    },
    metadata: {
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 4096, description: 'trigger metadata values must be strings' },
      description: 'trigger metadata must map keys to strings',
    },
  },
} as const;

export const renderedScaledObjectSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'keda.sh/v1alpha1', description: 'must be keda.sh/v1alpha1' },
    kind: { const: 'ScaledObject', description: 'must be ScaledObject' },
    metadata: {
      type: 'object',
      required: ['name', 'namespace'],
      properties: {
        name: { type: 'string', pattern: OBJECT_NAME, maxLength: 253, description: 'must be a Kubernetes object name' },
        namespace: { type: 'string', pattern: NAMESPACE, maxLength: 63, description: 'must be a namespace name' },
      },
    },
    spec: {
      type: 'object',
      required: ['scaleTargetRef', 'triggers'],
      properties: {
        scaleTargetRef: {
          type: 'object',
          required: ['name'],
          properties: {
            apiVersion: nonEmpty('scaleTargetRef.apiVersion'),
            kind: nonEmpty('scaleTargetRef.kind'),
            name: nonEmpty('scaleTargetRef.name'),
          },
        },
        pollingInterval: int32(1, 'pollingInterval'),
        minReplicaCount: int32(0, 'minReplicaCount'),
        maxReplicaCount: int32(1, 'maxReplicaCount'),
        advanced: {
          type: 'object',
          properties: {
            horizontalPodAutoscalerConfig: {
              type: 'object',
              properties: { behavior: { type: 'object', properties: { scaleUp: rules, scaleDown: rules } } },
            },
          },
        },
        triggers: { type: 'array', minItems: 1, items: trigger, description: 'must hold at least one trigger' },
      },
    },
  },
} as const;

export const validateRenderedScaledObject = compile(renderedScaledObjectSchema, {
  reason: 'InvalidScaledObject',
  describe: (path) => `rendered ScaledObject field ${path || '(object)'}`,
});
