import fc from 'fast-check';
import { renderExposition, type Family as RenderedFamily } from '../../dev/exposition.js';
import { sum } from '../../scaler/aggregate.js';
import { extractFamily } from '../../scaler/extract.js';

// Small whole numbers meet the boundaries (Σ/s = θ, Σ = θ·T) often; doubles cover the rest.
const reading = fc.oneof(fc.integer({ min: -3, max: 30 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
const positive = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.001, max: 1e6, noNaN: true }));

/** T replicas, the readings of those that answered (s >= 1), and θ. */
const replicas = fc
  .record({
    readings: fc.array(reading, { maxLength: 20 }),
    missing: fc.integer({ min: 0, max: 20 }),
    threshold: positive,
  })
  .filter(({ readings, missing }) => readings.length > 0 && readings.length + missing > 0);

const answer = (targets: number, readings: readonly number[], threshold: number): number => {
  const result = sum.combine(targets, readings, threshold);
  if (!result.ok) throw new Error(result.problem.message);
  return result.value.value;
};

/** The same with spec.replicas anywhere from 0 to T + 2 (surge upgrades, scale-downs, Workspaces not yet made). */
const withDesired = replicas.chain((value) =>
  fc
    .record({ desired: fc.integer({ min: 0, max: value.readings.length + value.missing + 2 }) })
    .map(({ desired }) => ({ ...value, desired })),
);

const answerWith = (targets: number, readings: readonly number[], threshold: number, desired: number): number => {
  const result = sum.combine(targets, readings, threshold, desired);
  if (!result.ok) throw new Error(result.problem.message);
  return result.value.value;
};

describe('sum with spec.replicas, for any readings', () => {
  it('never answers less when a reading rises', () => {
    fc.assert(
      fc.property(
        withDesired,
        fc.nat(),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
        ({ readings, missing, threshold, desired }, pick, rise) => {
          const index = pick % readings.length;
          const raised = readings.map((reading, at) => (at === index ? reading + rise : reading));
          const targets = readings.length + missing;
          expect(answerWith(targets, raised, threshold, desired)).toBeGreaterThanOrEqual(answerWith(targets, readings, threshold, desired));
        },
      ),
    );
  });

  it('fills no more than min(T, spec.replicas) replicas at target, and never answers more than without spec.replicas', () => {
    fc.assert(
      fc.property(withDesired, ({ readings, missing, threshold, desired }) => {
        const targets = readings.length + missing;
        const observed = readings.reduce((total, reading) => total + reading, 0);
        const value = answerWith(targets, readings, threshold, desired);
        const expected = Math.max(readings.length, Math.min(targets, desired));
        expect(value).toBeLessThanOrEqual(Math.max(0, observed, threshold * expected) * (1 + 1e-12) + 1e-9);
        expect(value).toBeLessThanOrEqual(answer(targets, readings, threshold) * (1 + 1e-12) + 1e-9);
      }),
    );
  });
});

describe('sum, for any readings', () => {
  it('answers a finite number >= 0, inactive only when everyone answered 0', () => {
    fc.assert(
      fc.property(replicas, ({ readings, missing, threshold }) => {
        const result = sum.combine(readings.length + missing, readings, threshold);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(Number.isFinite(result.value.value) && result.value.value >= 0).toBe(true);
        expect(result.value.active).toBe(!(missing === 0 && result.value.value === 0));
      }),
    );
  });

  it('never answers less when a reading rises', () => {
    fc.assert(
      fc.property(
        replicas,
        fc.nat(),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
        ({ readings, missing, threshold }, pick, rise) => {
          const index = pick % readings.length;
          const raised = readings.map((reading, at) => (at === index ? reading + rise : reading));
          const targets = readings.length + missing;
          expect(answer(targets, raised, threshold)).toBeGreaterThanOrEqual(answer(targets, readings, threshold));
        },
      ),
    );
  });

  it('a missing replica never lowers the count the HPA sees, nor raises it beyond what the answers ask', () => {
    fc.assert(
      fc.property(replicas, ({ readings, missing, threshold }) => {
        fc.pre(missing > 0);
        const targets = readings.length + missing;
        const observed = readings.reduce((total, reading) => total + reading, 0);
        const value = answer(targets, readings, threshold);
        // Those that answered are at or above target: no scale-down.
        if (observed / readings.length >= threshold) expect(value).toBeGreaterThanOrEqual(threshold * targets * (1 - 1e-12));
        // Never more than everyone at target, or what those that answered report.
        expect(value).toBeLessThanOrEqual(Math.max(observed, threshold * targets) * (1 + 1e-12));
      }),
    );
  });
});

// Label values with everything the format must escape or carry: quotes, backslashes,
// newlines, braces, `#`, commas, `=`, blanks and any Unicode.
const labelValue = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '}', '{', '#', ',', '=', ' ', 'a', 'é', '\t') }),
  fc.string({ unit: 'grapheme' }),
);
const series = fc.array(fc.record({ engine: labelValue, note: labelValue, value: fc.double() }), { maxLength: 6 });
const NAME = 'vllm:num_requests_waiting';

/** The wanted gauge among neighbours that share its prefix, rendered as prometheus_client does. */
function pageOf(wanted: Array<{ engine: string; note: string; value: number }>, neighbour: number): string {
  const gauge = (name: string, samples: RenderedFamily['samples']): RenderedFamily => ({
    name,
    help: `help of ${name} "quoted" \\ and more`,
    type: 'gauge',
    samples,
  });
  const families = [
    gauge(`${NAME}_by_reason`, [{ name: `${NAME}_by_reason`, labels: { reason: 'capacity' }, value: neighbour }]),
    gauge(
      NAME,
      wanted.map(({ engine, note, value }, index) => ({ name: NAME, labels: { engine, note, index: String(index) }, value })),
    ),
    gauge(`${NAME}_count`, [{ name: `${NAME}_count`, labels: {}, value: neighbour }]),
    { name: `${NAME}x`, help: '', type: 'counter', samples: [{ name: `${NAME}x`, labels: {}, value: neighbour }] } satisfies RenderedFamily,
  ];
  return renderExposition(families.filter((family) => family.samples.length > 0));
}

describe('extractFamily, for any page prometheus_client could write', () => {
  it('reads back exactly the wanted series, labels and values', () => {
    fc.assert(
      fc.property(series, fc.double(), (wanted, neighbour) => {
        const result = extractFamily(pageOf(wanted, neighbour), NAME);
        if (wanted.length === 0) {
          expect(result).toMatchObject({ ok: false, problem: { reason: 'FamilyAbsent' } });
          return;
        }
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.samples.map((sample) => sample.labels)).toEqual(
          wanted.map(({ engine, note }, index) => ({ engine, note, index: String(index) })),
        );
        for (const [index, sample] of result.value.samples.entries()) expect(Object.is(sample.value, wanted[index]?.value)).toBe(true);
      }),
    );
  });

  it('reads the same with CRLF line ends and lines of other families scattered in', () => {
    const junk = fc
      .string({ unit: 'binary', maxLength: 40 })
      .filter((line) => !/[\r\n]/.test(line) && !/^[ \t]*(#|vllm:num_requests_waiting)/.test(line));
    fc.assert(
      fc.property(series, fc.array(junk, { maxLength: 8 }), (wanted, junkLines) => {
        const clean = pageOf(wanted, 1);
        const lines = clean.split('\n');
        const mixed = lines.flatMap((line, index) => [line, junkLines[index % Math.max(1, junkLines.length)] ?? '']).join('\r\n');
        expect(extractFamily(mixed, NAME)).toEqual(extractFamily(clean, NAME));
      }),
    );
  });

  it('never throws, whatever the page', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom(NAME, 'm', 'a_sum', 'x_total'), (text, name) => {
        const result = extractFamily(text, name);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'm',
            'm_sum',
            'm_total',
            '{',
            '}',
            '"',
            '\\',
            ' ',
            '\n',
            '#',
            'TYPE',
            'EOF',
            'gauge',
            'histogram',
            '=',
            ',',
            '1',
            'NaN',
          ),
          { maxLength: 60 },
        ),
        (tokens) => {
          const result = extractFamily(tokens.join(''), 'm');
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});
