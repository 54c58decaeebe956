/**
 * What the Horizontal Pod Autoscaler that KEDA creates would ask for, given the scaler's
 * answer: for an `AverageValue` external metric, ceil(value / threshold) replicas, within
 * the ScaledObject's minReplicaCount and maxReplicaCount. The HPA computes in milli-units
 * (resource.Quantity), so 1.1 / 0.1 is 11 here, not the 12 that floating point would give.
 * Its tolerance and stabilization windows are not modelled: this is the count it aims at.
 */
export interface ReplicaBounds {
  readonly min: number;
  readonly max: number;
}

export interface DesiredReplicas {
  readonly replicas: number;
  /** ceil(value / threshold), before the bounds. */
  readonly wanted: number;
  /** Which rule set the count: the ratio itself, a bound, or KEDA scaling an inactive trigger to zero. */
  readonly by: 'ratio' | 'min' | 'max' | 'inactive';
}

const milli = (value: number): number => Math.round(value * 1000);

/**
 * value: the scaler's answer (finite, >= 0); threshold: the trigger's (> 0);
 * active: the IsActive answer. KEDA scales to zero only with minReplicaCount 0 and an
 * inactive trigger; otherwise the HPA, whose minimum is at least 1, decides.
 */
export function desiredReplicas(value: number, threshold: number, active: boolean, bounds: ReplicaBounds): DesiredReplicas {
  const wanted = Math.ceil(milli(value) / Math.max(1, milli(threshold)));
  if (bounds.min === 0 && !active) return { replicas: 0, wanted, by: 'inactive' };
  const lowest = Math.max(1, bounds.min);
  if (wanted < lowest) return { replicas: lowest, wanted, by: 'min' };
  if (wanted > bounds.max) return { replicas: bounds.max, wanted, by: 'max' };
  return { replicas: wanted, wanted, by: 'ratio' };
}
