import type { CompositePolicy } from '../hooks/composite.js';
import { GATE_VARIABLE } from '../hooks/composite.js';

export type Branch = 'up' | 'down' | 'hold';

export interface FormulaResult {
  readonly branch: Branch;
  /** What the formula gives the HPA with target 1: the desired-to-current replica ratio. */
  readonly ratio: 2 | 0.5 | 1;
}

/**
 * What KEDA's formula engine answers for the formula the hooks render (render-composite.ts):
 * `(gate == 1 && up) ? 2.0 : ((down) ? 0.5 : 1.0)`, `up` joined by && (AND) or || (OR),
 * `down` always by &&. `values` by trigger name; a missing one fails the whole formula, as
 * in KEDA (undefined here).
 */
export function evaluateFormula(policy: CompositePolicy, values: Readonly<Record<string, number>>): FormulaResult | undefined {
  const gate = values[GATE_VARIABLE];
  const readings = policy.metrics.map((metric) => ({ metric, value: values[metric.variable] }));
  if (gate === undefined || readings.some((reading) => reading.value === undefined)) return undefined;
  const hot = readings.map(({ metric, value }) => (value as number) > metric.upThreshold);
  const cool = readings.every(({ metric, value }) => (value as number) < metric.downThreshold);
  const up = policy.combine === 'AND' ? hot.every(Boolean) : hot.some(Boolean);
  if (gate === 1 && up) return { branch: 'up', ratio: 2 };
  return cool ? { branch: 'down', ratio: 0.5 } : { branch: 'hold', ratio: 1 };
}
