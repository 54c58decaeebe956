import { serviceAvg } from '../../scaler/service-avg.js';

describe('service-avg: mean over the replicas that gave a reading', () => {
  // `null` marks a replica without a reading.
  it.each<[string, Array<number | null>, unknown]>([
    ['every replica answered', [2, 4, 6], { value: 4, active: true, sampled: 3, assumed: 0 }],
    ['a missing replica is left out, not guessed', [2, null, 6], { value: 4, active: true, sampled: 2, assumed: 0 }],
    ['all at 0: inactive', [0, 0], { value: 0, active: false }],
    ['0 with a replica missing: active (it may be busy)', [0, null], { value: 0, active: true }],
    ['negative readings clamp at 0', [-4, 2], { value: 0 }],
    ['huge readings do not overflow', [Number.MAX_VALUE, Number.MAX_VALUE], { value: Number.MAX_VALUE }],
  ])('%s', (_name, readings, expected) => {
    const values = readings.filter((value): value is number => value !== null);
    expect(serviceAvg.combine(readings.length, values, 1)).toEqual({ ok: true, value: expect.objectContaining(expected as object) });
  });

  it.each<[string, number, number[], string]>([
    ['no replicas', 0, [], 'NoTargets'],
    ['no readings', 2, [], 'NoSamples'],
  ])('%s -> %s', (_name, targets, values, reason) => {
    const result = serviceAvg.combine(targets, values, 1);
    expect(result.ok ? 'ok' : result.problem.reason).toBe(reason);
  });
});
