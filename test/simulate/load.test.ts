import { parseTrace, shapeLoad } from '../../simulate/load.js';

describe('built-in load shapes, scaled to the peak', () => {
  it.each<[Parameters<typeof shapeLoad>[0], number, Array<[number, number]>]>([
    // shape, duration, [t, arrivals/s with peak 10]
    [
      'step',
      4 * 3600,
      [
        [0, 1.5],
        [1799, 1.5],
        [1800, 10],
        [3 * 3600 - 1, 10],
        [3 * 3600, 1.5],
      ],
    ],
    [
      'burst',
      3 * 3600,
      [
        [0, 2.5],
        [1800, 10],
        [2399, 10],
        [2400, 2.5],
        [5400, 10],
      ],
    ],
    [
      'diurnal',
      24 * 3600,
      [
        [0, 1],
        [12 * 3600, 10],
      ],
    ],
  ])('%s', (shape, duration, points) => {
    const load = shapeLoad(shape, 10);
    expect(load.duration).toBe(duration);
    for (const [t, rate] of points) expect(load.rateAt(t)).toBeCloseTo(rate, 9);
  });
});

describe('parseTrace: t_seconds,arrivals_per_second', () => {
  it('holds each rate until the next line, from the first line on', () => {
    const trace = parseTrace('t_seconds,arrivals_per_second\n# a comment\n100,2\n\n160,5.5\r\n400,0\n', 'day.csv');
    expect(trace.ok).toBe(true);
    if (!trace.ok) return;
    expect(trace.value.duration).toBe(300);
    expect([0, 59, 60, 299, 300, 1000].map((t) => trace.value.rateAt(t))).toEqual([2, 2, 5.5, 5.5, 0, 0]);
  });

  it.each<[string, string]>([
    ['0,1\n10,-2\n', 'day.csv line 2: "arrivals_per_second" is -2: requests arriving per second, a number (allowed: at least 0)'],
    ['0,1\nten,2\n', 'day.csv line 2: "t_seconds" is "ten": seconds since the start of the trace, a number'],
    ['0,1\n0,2\n', 'day.csv line 2: t_seconds 0 must be greater than the line before (0)'],
    ['0,1,2\n', 'day.csv line 1: expected "t_seconds,arrivals_per_second", got "0,1,2"'],
    ['0,1\n', 'day.csv needs at least two lines of t_seconds,arrivals_per_second'],
    ['', 'day.csv needs at least two lines of t_seconds,arrivals_per_second'],
  ])('refuses %j', (text, message) => {
    expect(parseTrace(text, 'day.csv')).toEqual({ ok: false, problem: { reason: 'InvalidTrace', message } });
  });
});
