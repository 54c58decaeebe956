import fc from 'fast-check';
import { fail, ok, type Result } from '../../lib/result.js';
import {
  hpaSync,
  initialHpaState,
  metricProposal,
  type HpaMetric,
  type HpaSpec,
  type HpaState,
  type ScalingPolicy,
  type ScalingRules,
} from '../../simulate/hpa.js';

/** Kubernetes' defaults (autoscaling/v2 API and kube-controller-manager). */
const defaultUp: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
  tolerance: 0.1,
};
const defaultDown: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  tolerance: 0.1,
};
const averageValue: HpaMetric = { name: 'm', type: 'AverageValue', target: 10 };

const spec = (overrides: Partial<HpaSpec> = {}): HpaSpec => ({
  minReplicas: 1,
  maxReplicas: 100,
  metrics: [averageValue],
  scaleUp: defaultUp,
  scaleDown: defaultDown,
  ...overrides,
});

/**
 * Runs syncs at the given times; `want(t)` is the replica count the metric asks for (the
 * AverageValue metric reports want · target, well outside any tolerance of the current
 * count). Returns the replica count after each sync.
 */
function run(hpa: HpaSpec, start: number, times: readonly number[], want: (t: number) => number): number[] {
  let state: HpaState = initialHpaState;
  let current = start;
  return times.map((now) => {
    const synced = hpaSync(hpa, state, { now, current, ready: current, values: [ok(want(now) * 10)] });
    state = synced.state;
    current = synced.decision.replicas;
    return current;
  });
}

const every = (seconds: number, count: number): number[] => Array.from({ length: count }, (_, index) => (index + 1) * seconds);

describe('HPA scaling policies: the examples of the Kubernetes HPA documentation', () => {
  // "Scaling policies": Pods 4 / 60 s and Percent 10 / 60 s for scale-down. From 80 replicas
  // towards 10, the first step removes 8 (10 %), then 10 % of what is left (72 * 0.9 = 64.8,
  // kept at 64: a Percent scale-down rounds the count down), and once 10 % is less than 4
  // Pods the Pods policy removes 4 at a time.
  const docsDown: ScalingRules = {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 60 },
      { type: 'Percent', value: 10, periodSeconds: 60 },
    ],
    tolerance: 0.1,
  };

  it('selectPolicy Max: the policy allowing the largest change wins', () => {
    expect(run(spec({ scaleDown: docsDown }), 80, every(60, 15), () => 10)).toEqual([
      72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10, 10,
    ]);
  });

  it('selectPolicy Min: the policy allowing the smallest change wins', () => {
    expect(run(spec({ scaleDown: { ...docsDown, selectPolicy: 'Min' } }), 80, every(60, 4), () => 10)).toEqual([76, 72, 68, 64]);
  });

  it('selectPolicy Disabled: no scaling in that direction', () => {
    expect(run(spec({ scaleDown: { ...docsDown, selectPolicy: 'Disabled' } }), 80, every(60, 3), () => 10)).toEqual([80, 80, 80]);
  });

  it('default scale-up: double or add 4 Pods every 15 s, whichever is more', () => {
    expect(run(spec(), 1, every(15, 4), () => 40)).toEqual([5, 10, 20, 40]);
  });

  it('periodSeconds: a change counts against the policy for the whole period, not just one sync', () => {
    // "Limit scale down rate": at most 5 Pods per 60 s, synced every 15 s.
    const down: ScalingRules = { ...docsDown, policies: [{ type: 'Pods', value: 5, periodSeconds: 60 }] };
    expect(run(spec({ scaleDown: down }), 20, every(15, 9), () => 1)).toEqual([15, 15, 15, 15, 10, 10, 10, 10, 5]);
  });

  it("the project's conservative scale-up: 1 Pod per 300 s", () => {
    const up: ScalingRules = {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
      tolerance: 0.1,
    };
    const counts = run(spec({ scaleUp: up }), 1, every(15, 45), () => 4);
    // The first sync sees no recommendation older than itself; the 60 s window holds the
    // lowest recent recommendation, here 4 from the start, so it moves at once: 2 at 15 s.
    expect(counts.indexOf(2)).toBe(0);
    expect(counts.indexOf(3)).toBe(20); // 15 + 300 s
    expect(counts.indexOf(4)).toBe(40);
  });
});

describe('HPA stabilization windows', () => {
  it('scale-down: the highest recommendation of the last 300 s holds the count', () => {
    const want = (t: number) => (t <= 15 ? 10 : 2);
    const counts = run(spec(), 10, every(15, 22), want);
    // The recommendation of 10 made at 15 s leaves the window at 315 s.
    expect(counts.slice(0, 20)).toEqual(Array(20).fill(10));
    expect(counts[20]).toBe(2); // t = 315
  });

  it('scale-up: the lowest recommendation of the window caps the count', () => {
    const up: ScalingRules = { ...defaultUp, stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] };
    const want = (t: number) => (t < 60 ? 3 : 8);
    const counts = run(spec({ scaleUp: up }), 2, every(15, 8), want);
    // 3 at once; 8 only once no recommendation of 3 (the last one made at 45 s) is in the
    // last 60 s: at 105 s.
    expect(counts).toEqual([3, 3, 3, 3, 3, 3, 8, 8]);
  });

  it('a recommendation between the windows keeps the current count', () => {
    // Up window 0, down window 300: after asking for 10 then 4 with 6 running, the count stays.
    const counts = run(spec(), 6, [15, 30, 45], (t) => (t === 15 ? 10 : 4));
    expect(counts).toEqual([10, 10, 10]);
  });
});

describe('HPA metric proposals: AverageValue and Value, in milli-units', () => {
  const hpa = spec();
  it.each<[HpaMetric['type'], number, number, number, number]>([
    // type, value, current, ready -> replicas
    ['AverageValue', 35, 2, 2, 4],
    ['AverageValue', 35, 2, 0, 4], // readiness does not matter to AverageValue
    ['AverageValue', 0, 3, 3, 0],
    ['AverageValue', 1.1, 1, 1, 1], // 1.1 / 10 is 0.11 -> 1
    ['Value', 35, 2, 1, 4], // ratio 3.5 times 1 ready replica
    ['Value', 35, 2, 2, 7],
    ['Value', 35, 0, 0, 4], // nothing running: the ratio alone
    ['Value', 10, 3, 3, 3], // ratio 1: within tolerance
  ])('%s value %p with %p replicas (%p ready) -> %p', (type, value, current, ready, expected) => {
    expect(metricProposal({ name: 'm', type, target: 10 }, value, current, ready, hpa)).toBe(expected);
  });

  it('divides in milli-units: 1.1 / 0.1 is 11, not 12', () => {
    expect(metricProposal({ name: 'm', type: 'AverageValue', target: 0.1 }, 1.1, 1, 1, hpa)).toBe(11);
  });
});

describe('HPA tolerance: no change while the ratio is within [1 - down, 1 + up]', () => {
  const hpa = spec({ scaleUp: { ...defaultUp, tolerance: 0.1 }, scaleDown: { ...defaultDown, tolerance: 0.5 } });
  it.each<[number, number]>([
    // AverageValue, target 10, 4 replicas: value -> proposal
    [44, 4], // ratio 1.1: at the edge, still within
    [44.001, 5], // just above: ceil(4.4001)
    [44.0004, 4], // rounds to 44.000 in milli-units
    [20, 4], // ratio 0.5: at the lower edge
    [19.999, 2], // just below: ceil(1.9999)
    [0, 0],
  ])('value %p -> %p', (value, expected) => {
    expect(metricProposal(averageValue, value, 4, 4, hpa)).toBe(expected);
  });
});

describe('HPA with failing metrics', () => {
  const failed = fail<number>('NoSamples', 'none of the 2 replicas gave a sample');

  it('holds the count and remembers nothing when the only metric fails', () => {
    const before: HpaState = { recommendations: [{ at: 0, replicas: 3 }], scaleUps: [], scaleDowns: [] };
    const synced = hpaSync(spec(), before, { now: 15, current: 3, ready: 3, values: [failed] });
    expect(synced.decision).toEqual({ replicas: 3, aim: undefined, reason: 'Hold' });
    expect(synced.state).toBe(before);
  });

  it.each<[string, Result<number>, number]>([
    ['scales up on the metric that answers', ok(50), 5],
    ['holds when the one that answers would scale down', ok(10), 3],
  ])('with two metrics, one failing: %s', (_, other, expected) => {
    const two = spec({ metrics: [averageValue, { ...averageValue, name: 'n' }] });
    expect(hpaSync(two, initialHpaState, { now: 15, current: 3, ready: 3, values: [failed, other] }).decision.replicas).toBe(expected);
  });
});

describe('HPA bounds', () => {
  it.each<[number, number, number]>([
    // current, wanted -> replicas (min 2, max 6)
    [4, 100, 6],
    [4, 0, 2],
    [9, 9, 6], // above max: brought back at once, whatever the metric says
    [1, 1, 2],
  ])('%p replicas asking for %p -> %p', (current, wanted, expected) => {
    const hpa = spec({ minReplicas: 2, maxReplicas: 6, scaleDown: { ...defaultDown, stabilizationWindowSeconds: 0 } });
    expect(run(hpa, current, [15], () => wanted)).toEqual([expected]);
  });
});

describe('HPA property: the count stays within [min, max] and moves no faster than its policies', () => {
  const policy = fc.record<ScalingPolicy>({
    type: fc.constantFrom('Pods' as const, 'Percent' as const),
    value: fc.integer({ min: 1, max: 200 }),
    periodSeconds: fc.integer({ min: 1, max: 600 }),
  });
  const rules = fc.record<ScalingRules>({
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const, 'Disabled' as const),
    policies: fc.array(policy, { minLength: 1, maxLength: 2 }),
    tolerance: fc.constantFrom(0, 0.1, 0.5),
  });
  const value = fc.oneof(
    fc.integer({ min: 0, max: 100 }).map((want) => ok(want * 10)),
    fc.constant(fail<number>('NoSamples', 'no replica gave a sample')),
  );
  const scenario = fc.record({
    min: fc.integer({ min: 1, max: 5 }),
    span: fc.integer({ min: 0, max: 40 }),
    up: rules,
    down: rules,
    values: fc.array(value, { minLength: 1, maxLength: 120 }),
  });

  /** The count each policy allows, from the count at the start of its period (as the HPA counts it). */
  function allowed(rules: ScalingRules, history: readonly { at: number; replicas: number }[], now: number, sign: 1 | -1): number {
    const limits = rules.policies.map((rule) => {
      const start = history.filter((earlier) => earlier.at <= now - rule.periodSeconds).at(-1)?.replicas ?? history[0]!.replicas;
      if (rule.type === 'Pods') return start + sign * rule.value;
      return sign > 0 ? Math.ceil(start * (1 + rule.value / 100)) : Math.trunc(start * (1 - rule.value / 100));
    });
    // The largest change (Max) or the smallest (Min), in the direction of the change.
    const largest = rules.selectPolicy === 'Max';
    return sign > 0 === largest ? Math.max(...limits) : Math.min(...limits);
  }

  it('holds for any policies, windows, tolerances and metric sequence', () => {
    fc.assert(
      fc.property(scenario, ({ min, span, up, down, values }) => {
        const hpa = spec({ minReplicas: min, maxReplicas: min + span, scaleUp: up, scaleDown: down });
        let state: HpaState = initialHpaState;
        const history = [{ at: 0, replicas: min }];
        values.forEach((metric, index) => {
          const now = (index + 1) * 15;
          const previous = history.at(-1)!.replicas;
          const synced = hpaSync(hpa, state, { now, current: previous, ready: previous, values: [metric] });
          state = synced.state;
          const replicas = synced.decision.replicas;
          expect(replicas).toBeGreaterThanOrEqual(min);
          expect(replicas).toBeLessThanOrEqual(min + span);
          if (replicas > previous) {
            expect(up.selectPolicy).not.toBe('Disabled');
            expect(replicas).toBeLessThanOrEqual(allowed(up, history, now, 1));
          }
          if (replicas < previous) {
            expect(down.selectPolicy).not.toBe('Disabled');
            expect(replicas).toBeGreaterThanOrEqual(allowed(down, history, now, -1));
          }
          history.push({ at: now, replicas });
        });
      }),
      { numRuns: 300 },
    );
  });
});
