import { averageValueReplicas } from '../simulate/hpa.js';

/**
 * What the Horizontal Pod Autoscaler that KEDA creates would ask for, given the scaler's
 * answer: for an `AverageValue` external metric, ceil(value / threshold) replicas (in
 * milli-units, as the emulated HPA of `simulate` computes it), within the ScaledObject's
 * minReplicaCount and maxReplicaCount. Tolerance, stabilization and policies are left to
 * that emulation: this is the count the HPA aims at.
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

/**
 * value: the scaler's answer (finite, >= 0); threshold: the trigger's (> 0);
 * active: the IsActive answer. KEDA scales to zero only with minReplicaCount 0 and an
 * inactive trigger; otherwise the HPA, whose minimum is at least 1, decides.
 */
export function desiredReplicas(value: number, threshold: number, active: boolean, bounds: ReplicaBounds): DesiredReplicas {
  const wanted = averageValueReplicas(value, threshold);
  if (bounds.min === 0 && !active) return { replicas: 0, wanted, by: 'inactive' };
  const lowest = Math.max(1, bounds.min);
  if (wanted < lowest) return { replicas: lowest, wanted, by: 'min' };
  if (wanted > bounds.max) return { replicas: bounds.max, wanted, by: 'max' };
  return { replicas: wanted, wanted, by: 'ratio' };
}
