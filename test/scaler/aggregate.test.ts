import { aggregations, sum } from '../../scaler/aggregate.js';
import type { Family, MetricType } from '../../scaler/extract.js';
import { WINDOWED } from '../../scaler/metadata.js';
import { triggerMetadataSchema } from '../../schemas/trigger-metadata.js';

const MAX = Number.MAX_VALUE;

describe('sum: combining the replicas (T replicas, the readings of s of them, θ)', () => {
  // `null` marks a replica without a reading (unreachable, timeout, family absent, ...).
  const cases: Array<[string, number, Array<number | null>, number, boolean]> = [
    // The examples of the design, θ = 10.
    ['[2, fail] -> 12: below target, the missing replica counts as at target', 10, [2, null], 12, true],
    ['[20, fail] -> 20: above target, the missing replica adds nothing', 10, [20, null], 20, true],
    ['[4, family absent] -> 14', 10, [4, null], 14, true],
    // Everyone answered.
    ['every replica answered', 10, [3, 4, 5], 12, true],
    ['one replica', 10, [5], 5, true],
    ['one replica at 0: inactive', 10, [0], 0, false],
    ['every replica at 0: inactive', 10, [0, 0, 0], 0, false],
    ['fractions', 0.5, [0.25, 0.125], 0.375, true],
    // The fallback's edge.
    ['zero, and a missing replica: active, at target', 10, [0, null], 10, true],
    ['just below target on average', 10, [9.5, null], 19.5, true],
    ['exactly at target on average: everyone at target', 10, [10, null], 20, true],
    ['just above target on average: still everyone at target', 10, [10.5, null], 20, true],
    ['every answer exactly at target, one missing', 10, [10, 10, null], 30, true],
    ['two of three missing, below target', 10, [4, null, null], 24, true],
    ['two of three missing, one at 9.9', 10, [9.9, null, null], 29.9, true],
    ['two of three missing, one at 10: no cliff', 10, [10, null, null], 30, true],
    ['[15, fail, fail] -> 30: missing replicas never let the count drop', 10, [15, null, null], 30, true],
    ['[40, fail] -> 40: far above target, only the answers count', 10, [40, null], 40, true],
    ['average below target although one replica is above', 10, [15, 1, null], 26, true],
    ['fractional target', 0.5, [0.1, null], 0.6, true],
    // Negative readings (a broken exporter) and the clamp at 0.
    ['negative sum, everyone answered: clamped to 0, inactive', 10, [-5, 3], 0, false],
    ['negative reading with a missing replica: the fallback still applies', 10, [-5, null], 5, true],
    ['very negative with a missing replica: clamped to 0, still active', 10, [-50, null], 0, true],
    ['negative zero', 10, [-0], 0, false],
    // Beyond a double: saturate, never ±Infinity.
    ['huge readings', 10, [1e300, 1e300], 2e300, true],
    ['overflow saturates at the largest double', 10, [1e308, 1e308], MAX, true],
    ['the largest double, one missing, huge target', 1e308, [MAX, null], MAX, true],
    ['the fallback itself overflows', 1e308, [1, null, null, null], MAX, true],
    ['negative overflow clamps to 0', 10, [-1e308, -1e308], 0, false],
  ];
  it.each(cases)('%s', (_name, threshold, readings, value, active) => {
    const values = readings.filter((reading): reading is number => reading !== null);
    const result = sum.combine(readings.length, values, threshold);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ value, active, sampled: values.length }) });
    if (result.ok) {
      expect(Number.isFinite(result.value.value)).toBe(true);
      expect(Object.is(result.value.value, -0)).toBe(false);
    }
  });

  const problems: Array<[string, number, number[], string, RegExp]> = [
    ['[fail, fail] -> no samples', 2, [], 'NoSamples', /none of the 2 replicas gave a sample/],
    ['one replica, failed', 1, [], 'NoSamples', /none of the 1 replica gave/],
    ['no replicas at all', 0, [], 'NoTargets', /no replicas/],
  ];
  it.each(problems)('%s', (_name, targets, values, reason, message) => {
    expect(sum.combine(targets, values, 10)).toEqual({ ok: false, problem: { reason, message: expect.stringMatching(message) } });
  });

  it('reports what the fallback added', () => {
    expect(sum.combine(3, [2], 10)).toEqual({ ok: true, value: { value: 22, active: true, sampled: 1, assumed: 20 } });
    expect(sum.combine(3, [20], 10)).toEqual({ ok: true, value: { value: 30, active: true, sampled: 1, assumed: 10 } });
    expect(sum.combine(3, [40], 10)).toEqual({ ok: true, value: { value: 40, active: true, sampled: 1, assumed: 0 } });
    expect(sum.combine(2, [1, 2], 10)).toEqual({ ok: true, value: { value: 3, active: true, sampled: 2, assumed: 0 } });
  });

  // T Workspaces, spec.replicas, readings (null: no reading), θ -> answer. A surge upgrade
  // keeps an extra Workspace until it is Ready: T = spec.replicas + 1.
  const surge: Array<[string, number, number, Array<number | null>, number, number]> = [
    ['surge: two replicas at 7 and the new one not ready -> 14, not 24 (no phantom replica at target)', 3, 2, [7, 7, null], 10, 14],
    ['surge: below target, one old replica silent -> it is filled, the surge one is not', 3, 2, [7, null, null], 10, 17],
    ['surge: above target, floor at spec.replicas at target', 3, 2, [12, null, null], 10, 20],
    ['surge: every Workspace answers -> the plain sum', 3, 2, [7, 7, 7], 10, 21],
    ['scaling down: spec.replicas below T, the leaving ones silent -> nothing filled', 4, 2, [3, 3, null, null], 10, 6],
    ['spec.replicas above T (Workspaces still being created): fill only up to T', 2, 5, [1, null], 10, 11],
    ['spec.replicas 0: nothing filled', 2, 0, [1, null], 10, 1],
  ];
  it.each(surge)('%s', (_name, targets, desired, readings, threshold, value) => {
    const values = readings.filter((reading): reading is number => reading !== null);
    expect(sum.combine(targets, values, threshold, desired)).toEqual({
      ok: true,
      value: expect.objectContaining({ value, sampled: values.length }),
    });
  });

  it('without spec.replicas (static targets) fills up to T, as before', () => {
    expect(sum.combine(3, [7, 7], 10)).toEqual(sum.combine(3, [7, 7], 10, 3));
  });

  it('refuses more readings than replicas (a bug in the caller)', () => {
    expect(() => sum.combine(1, [1, 2], 10)).toThrow(/2 readings from 1 replicas/);
  });
});

describe("sum: one replica's reading of its family", () => {
  const family = (type: MetricType, values: number[], name = 'm'): Family => ({
    name,
    type,
    declared: true,
    samples: values.map((value, index) => ({ name, labels: { engine: String(index) }, value })),
  });

  const readings: Array<[string, Family, number]> = [
    ['a gauge: the sum of its series', family('gauge', [3, 4]), 7],
    ['a counter', family('counter', [10, 2]), 12],
    ['an untyped family', family('untyped', [5]), 5],
    ['one series at 0', family('gauge', [0]), 0],
    ['negative series', family('gauge', [-2, 1]), -1],
    ['series beyond a double saturate', family('gauge', [1e308, 1e308]), MAX],
  ];
  it.each(readings)('%s', (_name, input, value) => {
    expect(sum.read(input, 'm')).toEqual({ value });
  });

  const missing: Array<[string, Family, string, RegExp]> = [
    [
      'a histogram',
      family('histogram', [1, 2]),
      'UnsupportedMetricType',
      /"m" is a histogram; the sum aggregation reads gauge, counter, untyped/,
    ],
    ['a summary', family('summary', [1]), 'UnsupportedMetricType', /"m" is a summary/],
    ['a gauge histogram', family('gaugehistogram', [1]), 'UnsupportedMetricType', /gaugehistogram/],
    ['an info family', family('info', [1]), 'UnsupportedMetricType', /info/],
    ['a state set', family('stateset', [1]), 'UnsupportedMetricType', /stateset/],
    ['the _sum of a histogram', family('histogram', [3.5], 'h'), 'UnsupportedMetricType', /"m" is part of the histogram "h"/],
    ['a family declared without series', family('gauge', []), 'FamilyAbsent', /declared \(gauge\) but has no series/],
    ['a NaN series', family('gauge', [1, NaN]), 'NotFinite', /m\{engine="1"\} is NaN/],
    ['a +Inf series', family('gauge', [Infinity]), 'NotFinite', /is Infinity/],
    ['a -Inf series', family('counter', [-Infinity, 1]), 'NotFinite', /is -Infinity/],
  ];
  it.each(missing)('%s -> %s', (_name, input, reason, detail) => {
    expect(sum.read(input, 'm')).toEqual({ missing: reason, detail: expect.stringMatching(detail) });
  });
});

describe('aggregations', () => {
  it('are chosen by the names the trigger metadata accepts', () => {
    // The rest read a window of samples (windowed.ts) or the InferenceSet's readiness (gate).
    const elsewhere = [...WINDOWED, 'gate'];
    expect([...Object.keys(aggregations), ...elsewhere].sort()).toEqual([...triggerMetadataSchema.properties.aggregation.enum].sort());
    for (const [name, aggregation] of Object.entries(aggregations)) expect(aggregation.name).toBe(name);
  });
});
