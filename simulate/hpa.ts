import { fail, ok, type Result } from '../lib/result.js';

/**
 * The Horizontal Pod Autoscaler's controller loop for external metrics, as Kubernetes
 * documents it (autoscaling/v2, "Horizontal Pod Autoscaling" and its "Algorithm details",
 * "Stabilization window", "Scaling policies" sections) and as
 * pkg/controller/podautoscaler/{horizontal,replica_calculator}.go implement it: one pure
 * step per sync (15 s by default), state passed in and out.
 *
 * Quantities are compared in milli-units, as the HPA does with resource.Quantity: KEDA
 * hands each value over as a decimal with three fractional digits.
 */

export type MetricTargetType = 'AverageValue' | 'Value';

export interface HpaMetric {
  readonly name: string;
  readonly type: MetricTargetType;
  readonly target: number;
}

export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
  /** Ratio around 1 within which the HPA does not move in this direction. */
  readonly tolerance: number;
}

export interface HpaSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly HpaMetric[];
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

interface Timestamped {
  readonly at: number;
  readonly replicas: number;
}

/** What the controller remembers between syncs: recent recommendations and scale events. */
export interface HpaState {
  readonly recommendations: readonly Timestamped[];
  readonly scaleUps: readonly Timestamped[];
  readonly scaleDowns: readonly Timestamped[];
}

export const initialHpaState: HpaState = { recommendations: [], scaleUps: [], scaleDowns: [] };

export interface SyncInput {
  /** Seconds since the simulation started. */
  readonly now: number;
  /** The scale target's replica count (spec). */
  readonly current: number;
  /** Replicas serving; the `Value` ratio multiplies it. */
  readonly ready: number;
  /** One per `spec.metrics` entry, in the same order: the value, or why the call failed. */
  readonly values: readonly Result<number>[];
}

export interface SyncDecision {
  readonly replicas: number;
  /** The count the metrics ask for, before stabilization, policies and bounds; undefined when held. */
  readonly aim: number | undefined;
  /** Why `replicas` is what it is (the HPA's condition reasons, plus `Hold`). */
  readonly reason: string;
}

/** KEDA writes values as decimals with three fractional digits; the HPA reads them in milli-units. */
export const milli = (value: number): number => Math.round(value * 1000);

/** ceil(value / target) in milli-units: 1.1 / 0.1 is 11, not the 12 floating point would give. */
export const averageValueReplicas = (value: number, target: number): number => Math.ceil(milli(value) / Math.max(1, milli(target)));

/** Whether a usage ratio is close enough to 1 that the HPA keeps the current count. */
const withinTolerance = (ratio: number, up: number, down: number): boolean => 1 - down <= ratio && ratio <= 1 + up;

/**
 * One metric's proposal (replica_calculator.go):
 *  - AverageValue: ratio = value / (target · current); outside tolerance, ceil(value / target);
 *  - Value: ratio = value / target; outside tolerance, ceil(ratio · ready). With no
 *    replica at all the Value ratio alone decides: ceil(ratio).
 */
export function metricProposal(metric: HpaMetric, value: number, current: number, ready: number, spec: HpaSpec): number {
  const usage = milli(value);
  const target = Math.max(1, milli(metric.target));
  const within = (ratio: number) => withinTolerance(ratio, spec.scaleUp.tolerance, spec.scaleDown.tolerance);
  if (metric.type === 'AverageValue') {
    return within(usage / (target * current)) ? current : Math.ceil(usage / target);
  }
  const ratio = usage / target;
  if (current === 0) return Math.ceil(ratio);
  return within(ratio) ? current : Math.ceil(ratio * ready);
}

/**
 * The highest proposal of the metrics that answered. As the HPA does, it holds (a
 * problem) when every metric failed, or when some failed and the others would scale down.
 */
function metricsProposal(spec: HpaSpec, input: SyncInput): Result<number> {
  let proposal: number | undefined;
  let firstProblem: Result<number> | undefined;
  spec.metrics.forEach((metric, index) => {
    const value = input.values[index];
    if (value === undefined || !value.ok) {
      firstProblem ??= value ?? fail('MetricMissing', `no value for metric ${metric.name}`);
      return;
    }
    const replicas = metricProposal(metric, value.value, input.current, input.ready, spec);
    proposal = proposal === undefined ? replicas : Math.max(proposal, replicas);
  });
  if (firstProblem !== undefined && (proposal === undefined || proposal < input.current)) return firstProblem;
  return proposal === undefined ? fail('NoMetrics', 'the HPA has no metrics') : ok(proposal);
}

/** Total change of the events after `now - periodSeconds`. */
const changedWithin = (events: readonly Timestamped[], now: number, periodSeconds: number): number =>
  events.reduce((total, event) => (event.at > now - periodSeconds ? total + event.replicas : total), 0);

/** The most replicas the scale-up policies allow now (calculateScaleUpLimitWithScalingRules). */
function scaleUpLimit(rules: ScalingRules, current: number, state: HpaState, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let limit = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const policy of rules.policies) {
    const start =
      current - changedWithin(state.scaleUps, now, policy.periodSeconds) + changedWithin(state.scaleDowns, now, policy.periodSeconds);
    const proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    limit = pick(limit, proposed);
  }
  return limit;
}

/** The fewest replicas the scale-down policies allow now (calculateScaleDownLimitWithBehaviors). */
function scaleDownLimit(rules: ScalingRules, current: number, state: HpaState, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // "Min" selects the smallest change, which for a scale-down is the highest count.
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let limit = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const policy of rules.policies) {
    const start =
      current - changedWithin(state.scaleUps, now, policy.periodSeconds) + changedWithin(state.scaleDowns, now, policy.periodSeconds);
    const proposed = policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    limit = pick(limit, proposed);
  }
  return limit;
}

/**
 * Stabilization (stabilizeRecommendationWithBehaviors): the count moves up no further than
 * the lowest recommendation of the scale-up window, and down no further than the highest
 * of the scale-down window; the unstabilized recommendation is remembered.
 */
function stabilize(spec: HpaSpec, state: HpaState, now: number, current: number, aim: number): { replicas: number; reason?: string } {
  const upCutoff = now - spec.scaleUp.stabilizationWindowSeconds;
  const downCutoff = now - spec.scaleDown.stabilizationWindowSeconds;
  let up = aim;
  let down = aim;
  for (const recommendation of state.recommendations) {
    if (recommendation.at > upCutoff) up = Math.min(up, recommendation.replicas);
    if (recommendation.at > downCutoff) down = Math.max(down, recommendation.replicas);
  }
  const replicas = Math.min(Math.max(current, up), down);
  if (replicas === aim) return { replicas };
  return { replicas, reason: aim > current ? 'ScaleUpStabilized' : 'ScaleDownStabilized' };
}

/** Rate limits and bounds (convertDesiredReplicasWithBehaviorRate). */
function limitRate(spec: HpaSpec, state: HpaState, now: number, current: number, desired: number): { replicas: number; reason: string } {
  if (desired > current) {
    const rate = Math.max(current, scaleUpLimit(spec.scaleUp, current, state, now));
    const [ceiling, reason] = spec.maxReplicas > rate ? [rate, 'ScaleUpLimit'] : [spec.maxReplicas, 'TooManyReplicas'];
    if (desired > ceiling) return { replicas: ceiling, reason };
  } else if (desired < current) {
    const rate = Math.min(current, scaleDownLimit(spec.scaleDown, current, state, now));
    const [floor, reason] = spec.minReplicas < rate ? [rate, 'ScaleDownLimit'] : [spec.minReplicas, 'TooFewReplicas'];
    if (desired < floor) return { replicas: floor, reason };
  }
  return { replicas: desired, reason: 'DesiredWithinRange' };
}

const longestPeriod = (rules: ScalingRules): number => Math.max(0, ...rules.policies.map((policy) => policy.periodSeconds));

/** Forgets what no rule can look at any more (the HPA reuses those slots). */
function prune(spec: HpaSpec, state: HpaState, now: number): HpaState {
  const window = Math.max(spec.scaleUp.stabilizationWindowSeconds, spec.scaleDown.stabilizationWindowSeconds);
  const period = Math.max(longestPeriod(spec.scaleUp), longestPeriod(spec.scaleDown));
  return {
    recommendations: state.recommendations.filter((entry) => entry.at > now - window),
    scaleUps: state.scaleUps.filter((entry) => entry.at > now - period),
    scaleDowns: state.scaleDowns.filter((entry) => entry.at > now - period),
  };
}

/**
 * One sync of the HPA (reconcileAutoscaler): a count outside [min, max] is brought back
 * at once; otherwise the metrics' proposal is stabilized, rate-limited and bounded. A
 * failed metric call holds the current count and records nothing.
 */
export function hpaSync(spec: HpaSpec, state: HpaState, input: SyncInput): { state: HpaState; decision: SyncDecision } {
  const { now, current } = input;
  if (current > spec.maxReplicas || current < spec.minReplicas) {
    const replicas = current > spec.maxReplicas ? spec.maxReplicas : spec.minReplicas;
    return { state: record(spec, state, now, current, replicas), decision: { replicas, aim: undefined, reason: 'OutOfBounds' } };
  }
  const proposal = metricsProposal(spec, input);
  if (!proposal.ok) return { state, decision: { replicas: current, aim: undefined, reason: 'Hold' } };
  const aim = proposal.value;
  const stabilized = stabilize(spec, state, now, current, aim);
  const remembered: HpaState = { ...state, recommendations: [...state.recommendations, { at: now, replicas: aim }] };
  const limited = limitRate(spec, remembered, now, current, stabilized.replicas);
  const reason = limited.reason !== 'DesiredWithinRange' ? limited.reason : (stabilized.reason ?? limited.reason);
  return { state: record(spec, remembered, now, current, limited.replicas), decision: { replicas: limited.replicas, aim, reason } };
}

function record(spec: HpaSpec, state: HpaState, now: number, from: number, to: number): HpaState {
  const pruned = prune(spec, state, now);
  if (to > from) return { ...pruned, scaleUps: [...pruned.scaleUps, { at: now, replicas: to - from }] };
  if (to < from) return { ...pruned, scaleDowns: [...pruned.scaleDowns, { at: now, replicas: from - to }] };
  return pruned;
}
