import { fail, ok } from '../lib/result.js';
import { sum, type Aggregation } from './aggregate.js';

/**
 * `service-avg`: the mean of the per-replica readings (each the sum of the family's series
 * on the replica's page, as `sum` reads it) over the replicas that gave one. A replica
 * without a reading is left out rather than guessed: while a model loads, KAITO serves a
 * page without vLLM's families. Clamped at 0; inactive only when every replica answered 0.
 */
export const serviceAvg: Aggregation = {
  name: 'service-avg',
  read: (family, metricName) => sum.read(family, metricName),
  combine(targets, values) {
    if (values.length > targets) throw new Error(`${values.length} readings from ${targets} replicas`);
    if (targets === 0) return fail('NoTargets', 'the InferenceSet has no replicas (Workspaces) to scrape');
    if (values.length === 0) return fail('NoSamples', `none of the ${targets} replica${targets === 1 ? '' : 's'} gave a sample`);
    const mean = values.reduce((total, value) => total + value / values.length, 0);
    const value = Math.max(0, Math.min(Number.MAX_VALUE, mean));
    return ok({ value, active: !(values.length === targets && value === 0), sampled: values.length, assumed: 0 });
  },
};
