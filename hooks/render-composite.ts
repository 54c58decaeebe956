import { ANNOTATIONS } from '../schemas/annotations.js';
import type { CompositeScaling } from './annotations.js';
import { formatNumber, GATE_VARIABLE, type CompositeMetric, type CompositePolicy } from './composite.js';
import type { KubeObject } from './objects.js';
import { MANAGER, SCALED_OBJECT_API_VERSION, type RenderConfig } from './render.js';

/**
 * The ScaledObject of composite mode: one `Value` trigger per signal plus the readiness
 * gate, combined by KEDA's `scalingModifiers` formula into a ratio the HPA applies with
 * target 1 (2.0 up, 0.5 down, 1.0 hold), one Pod per cooldown. Same identity and key
 * order rules as single-threshold mode.
 */
export function renderCompositeScaledObject(inferenceSet: KubeObject, scaling: CompositeScaling, config: RenderConfig): KubeObject {
  const { name, namespace = '' } = inferenceSet.metadata;
  const { policy } = scaling;
  const trigger = (variable: string, metadata: Record<string, string>) => ({
    type: 'external',
    name: variable,
    metricType: 'Value',
    // KEDA resolves credentials per trigger: every one of them needs the reference.
    authenticationRef: { kind: 'ClusterTriggerAuthentication', name: config.triggerAuthentication },
    metadata: {
      scalerAddress: config.scalerAddress,
      enableTLS: 'true',
      inferenceSetName: name,
      inferenceSetNamespace: namespace,
      ...metadata,
    },
  });
  return {
    apiVersion: SCALED_OBJECT_API_VERSION,
    kind: 'ScaledObject',
    metadata: { name, namespace, annotations: { [ANNOTATIONS.managedBy]: MANAGER } },
    spec: {
      scaleTargetRef: { apiVersion: inferenceSet.apiVersion, kind: inferenceSet.kind, name },
      pollingInterval: 15,
      minReplicaCount: scaling.minReplicas,
      maxReplicaCount: scaling.maxReplicas,
      advanced: {
        horizontalPodAutoscalerConfig: { behavior: compositeBehavior(policy) },
        scalingModifiers: { target: '1', metricType: 'Value', formula: formula(policy) },
      },
      triggers: [
        ...policy.metrics.map((metric) => trigger(metric.variable, triggerMetadata(metric))),
        trigger(GATE_VARIABLE, { metricName: GATE_VARIABLE, aggregation: 'gate' }),
      ],
    },
  };
}

function triggerMetadata(metric: CompositeMetric): Record<string, string> {
  return {
    metricName: metric.name,
    aggregation: metric.aggregation,
    upThreshold: formatNumber(metric.upThreshold),
    downThreshold: formatNumber(metric.downThreshold),
    // `sum` counts a replica without a sample at its threshold: at downthreshold it can
    // never cause a scale-down.
    ...(metric.aggregation === 'sum' && { threshold: formatNumber(metric.downThreshold) }),
    ...(metric.window !== undefined && { metricCacheWindow: String(metric.window) }),
    ...(metric.quantile !== undefined && { quantile: formatNumber(metric.quantile) }),
  };
}

/**
 * `(gate && up) ? 2.0 : ((down) ? 0.5 : 1.0)`. AND joins the conditions without brackets,
 * which is upstream's exact string; OR brackets its `||` so the gate still applies to all
 * of it. Scale-down always needs every signal cool.
 */
export function formula(policy: CompositePolicy): string {
  const ups = policy.metrics.map((metric) => `${metric.variable} > ${formatNumber(metric.upThreshold)}`);
  const downs = policy.metrics.map((metric) => `${metric.variable} < ${formatNumber(metric.downThreshold)}`);
  const gate = `${GATE_VARIABLE} == 1`;
  const up = policy.combine === 'AND' ? [gate, ...ups].join(' && ') : `${gate} && (${ups.join(' || ')})`;
  return `(${up}) ? 2.0 : ((${downs.join(' && ')}) ? 0.5 : 1.0)`;
}

/**
 * Scale up after `evaluationwindow` seconds of sustained load, one Pod per
 * `scaleupcooldown`; down after `scaledowncooldown` quiet seconds, one Pod per
 * `scaledowncooldown`. A tolerance of 10 % both ways lets the formula's 0.5 and 2.0 act
 * while 1.0 holds (written "100m", the API server's canonical form).
 */
function compositeBehavior(policy: CompositePolicy) {
  return {
    scaleUp: {
      stabilizationWindowSeconds: policy.evaluationWindow,
      policies: [{ type: 'Pods', value: 1, periodSeconds: policy.scaleUpCooldown }],
      tolerance: '100m',
    },
    scaleDown: {
      stabilizationWindowSeconds: policy.scaleDownCooldown,
      policies: [{ type: 'Pods', value: 1, periodSeconds: policy.scaleDownCooldown }],
      tolerance: '100m',
    },
  };
}
