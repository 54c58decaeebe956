import { fail, ok, type Result } from '../lib/result.js';
import type { HpaMetric, HpaSpec, ScalingPolicy, ScalingRules } from './hpa.js';

/**
 * The HPA that KEDA creates for a ScaledObject (KEDA v2.20, controllers/keda/hpa.go and
 * apis/keda/v1alpha1/scaledobject_types.go): minReplicaCount (at least 1: below
 * that KEDA, not the HPA, scales to zero) and maxReplicaCount (default 100) become the HPA's bounds,
 * `advanced.horizontalPodAutoscalerConfig.behavior` is copied as is, and each trigger
 * becomes one external metric of its `metricType` (default AverageValue) whose target is
 * what the scaler's GetMetricSpec returns: the trigger's threshold.
 *
 * Rules the ScaledObject leaves out take the defaults of the autoscaling/v2 API and of
 * kube-controller-manager: scale up at once by the larger of 4 Pods or 100 % per 15 s;
 * scale down after a 300 s window by up to 100 % per 15 s; tolerance 0.1.
 */

const DEFAULT_TOLERANCE = 0.1;

const defaultScaleUp: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
  tolerance: DEFAULT_TOLERANCE,
};

const defaultScaleDown: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  tolerance: DEFAULT_TOLERANCE,
};

/**
 * What a trigger contributes, besides its metric: `threshold` is the per-replica target
 * the scaler reports in GetMetricSpec. Composite triggers will add their own targets here.
 */
export type TriggerTargetOf = (trigger: Readonly<Record<string, unknown>>) => Result<number>;

type Mapping = Readonly<Record<string, unknown>>;

const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Kubernetes quantities as the API server writes tolerances: "100m", "0.5", "1". */
export function parseQuantity(text: unknown): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

function readRules(written: unknown, defaults: ScalingRules, direction: string): Result<ScalingRules> {
  if (written === undefined) return ok(defaults);
  if (!isMapping(written)) return fail('InvalidScaledObject', `behavior.${direction} must be a mapping`);
  const tolerance = written['tolerance'] === undefined ? defaults.tolerance : parseQuantity(written['tolerance']);
  if (tolerance === undefined)
    return fail('InvalidScaledObject', `behavior.${direction}.tolerance ${JSON.stringify(written['tolerance'])} is not a quantity`);
  const window = written['stabilizationWindowSeconds'] ?? defaults.stabilizationWindowSeconds;
  if (!Number.isInteger(window) || (window as number) < 0) {
    return fail('InvalidScaledObject', `behavior.${direction}.stabilizationWindowSeconds must be a whole number >= 0`);
  }
  const selectPolicy = written['selectPolicy'] ?? 'Max';
  if (selectPolicy !== 'Max' && selectPolicy !== 'Min' && selectPolicy !== 'Disabled') {
    return fail('InvalidScaledObject', `behavior.${direction}.selectPolicy must be Max, Min or Disabled`);
  }
  const policies = written['policies'] ?? defaults.policies;
  if (!Array.isArray(policies) || !policies.every(isPolicy)) {
    return fail(
      'InvalidScaledObject',
      `behavior.${direction}.policies must be a list of {type: Pods|Percent, value > 0, periodSeconds 1..1800}`,
    );
  }
  return ok({ stabilizationWindowSeconds: window as number, selectPolicy, policies, tolerance });
}

function isPolicy(value: unknown): value is ScalingPolicy {
  if (!isMapping(value)) return false;
  const { type, value: amount, periodSeconds: period } = value;
  return (
    (type === 'Pods' || type === 'Percent') &&
    Number.isInteger(amount) &&
    (amount as number) > 0 &&
    Number.isInteger(period) &&
    (period as number) > 0 &&
    (period as number) <= 1800
  );
}

/**
 * The HPA of a rendered ScaledObject, with `targetOf` giving each trigger's target. A
 * ScaledObject with `advanced.scalingModifiers` is refused: its formula is not evaluated here.
 */
export function hpaOf(scaledObject: { readonly spec?: Mapping }, targetOf: TriggerTargetOf): Result<HpaSpec> {
  const spec = scaledObject.spec;
  if (!isMapping(spec)) return fail('InvalidScaledObject', 'the ScaledObject has no spec');
  const advanced = isMapping(spec['advanced']) ? spec['advanced'] : {};
  if (advanced['scalingModifiers'] !== undefined) {
    return fail(
      'UnsupportedScalingModifiers',
      'simulate does not evaluate advanced.scalingModifiers formulas yet; render a ScaledObject without them',
    );
  }
  const hpaConfig = isMapping(advanced['horizontalPodAutoscalerConfig']) ? advanced['horizontalPodAutoscalerConfig'] : {};
  const behavior = isMapping(hpaConfig['behavior']) ? hpaConfig['behavior'] : {};
  const scaleUp = readRules(behavior['scaleUp'], defaultScaleUp, 'scaleUp');
  if (!scaleUp.ok) return scaleUp;
  const scaleDown = readRules(behavior['scaleDown'], defaultScaleDown, 'scaleDown');
  if (!scaleDown.ok) return scaleDown;

  const minCount = spec['minReplicaCount'] ?? 0;
  const maxCount = spec['maxReplicaCount'] ?? 100;
  if (!Number.isInteger(minCount) || !Number.isInteger(maxCount) || (maxCount as number) < Math.max(1, minCount as number)) {
    return fail('InvalidScaledObject', 'minReplicaCount and maxReplicaCount must be whole numbers with max >= max(1, min)');
  }
  const triggers = Array.isArray(spec['triggers']) ? spec['triggers'] : [];
  if (triggers.length === 0) return fail('InvalidScaledObject', 'the ScaledObject has no triggers');
  const metrics: HpaMetric[] = [];
  for (const [index, trigger] of triggers.entries()) {
    if (!isMapping(trigger)) return fail('InvalidScaledObject', `trigger ${index} is not a mapping`);
    const type = trigger['metricType'] ?? 'AverageValue';
    if (type !== 'AverageValue' && type !== 'Value') {
      return fail('InvalidScaledObject', `trigger ${index}: metricType ${JSON.stringify(type)} is not AverageValue or Value`);
    }
    const target = targetOf(trigger);
    if (!target.ok) return target;
    metrics.push({ name: typeof trigger['name'] === 'string' ? trigger['name'] : `s${index}`, type, target: target.value });
  }
  return ok({
    minReplicas: Math.max(1, minCount as number),
    maxReplicas: maxCount as number,
    metrics,
    scaleUp: scaleUp.value,
    scaleDown: scaleDown.value,
  });
}
