import {
  atLeast,
  atMost,
  formatNumber,
  isMet,
  median,
  percentile,
  spread,
  summaryLines,
  summaryText,
  tableLines,
} from '../../bench/support/report.js';

describe('isMet', () => {
  it.each([
    ['at least, above', atLeast('x', 31, 30), true],
    ['at least, equal', atLeast('x', 30, 30), true],
    ['at least, below', atLeast('x', 29.9, 30), false],
    ['at most, below', atMost('x', 2.5, 3), true],
    ['at most, equal', atMost('x', 3, 3), true],
    ['at most, above', atMost('x', 3.01, 3), false],
    ['nothing measured (NaN), at least', atLeast('x', NaN, 1), false],
    ['nothing measured (NaN), at most', atMost('x', NaN, 1), false],
  ])('%s -> %s', (_name, check, met) => {
    expect(isMet(check)).toBe(met);
  });
});

describe('summaryLines', () => {
  const headline = atLeast('speed-up', 41.4, 30);
  it.each([
    ['no checks', headline, [], ['BENCH scrape-round ratio=41.4 target=>=30 met'], true],
    [
      'every check met',
      headline,
      [atMost('wall / one replica', 2.51, 3)],
      ['check wall / one replica = 2.51 (target <=3): met', 'BENCH scrape-round ratio=41.4 target=>=30 met'],
      true,
    ],
    [
      'a check missed: the line says MISSED though the ratio meets its target',
      headline,
      [atLeast('cpu', 4.2, 5), atMost('p99', 9, 10)],
      [
        'check cpu = 4.20 (target >=5): MISSED',
        'check p99 = 9 (target <=10): met',
        'BENCH scrape-round ratio=41.4 target=>=30 met'.replace(' met', ' MISSED'),
      ],
      false,
    ],
    ['the ratio missed', atLeast('speed-up', 12, 30), [], ['BENCH scrape-round ratio=12 target=>=30 MISSED'], false],
  ])('%s', (_name, main, checks, lines, met) => {
    expect(summaryLines('scrape-round', main, checks)).toEqual({ lines, met });
  });

  it('writes the line the run script and docs/performance.md look for', () => {
    const { lines } = summaryLines('memory', atLeast('200 MB / RSS', 1.2345, 1));
    expect(lines.at(-1)).toMatch(/^BENCH [a-z-]+ ratio=\S+ target=(>=|<=)\S+ (met|MISSED)$/);
  });
});

describe('summaryText', () => {
  it('prints every figure with its value: the headline first, then figures without a target, then the checks', () => {
    const { text, met } = summaryText(
      'hooks-throughput',
      atLeast('requests/s, /sync / echo', 1.04, 0.5),
      [atMost('p99, /sync / echo', 1.1, 2)],
      [{ what: 'p99 ms', value: 6.25 }],
    );
    expect(text).toEqual([
      'requests/s, /sync / echo = 1.04',
      'figure p99 ms = 6.25 (reported, no target)',
      'check p99, /sync / echo = 1.10 (target <=2): met',
      'BENCH hooks-throughput ratio=1.04 target=>=0.50 met',
    ]);
    expect(met).toBe(true);
  });

  it('a figure never fails the benchmark, however large', () => {
    expect(summaryText('grpc-throughput', atLeast('rate', 2, 1), [], [{ what: 'p99 ms', value: 1e6 }]).met).toBe(true);
  });
});

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [3, '3'],
    [1510, '1510'],
    [2.5149, '2.51'],
    [41.44, '41.4'],
    [245.6, '246'],
    [0.05123, '0.051'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ])('%s -> %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
  it.each([
    [hundred, 50, 50],
    [hundred, 99, 99],
    [hundred, 100, 100],
    [hundred, 0, 1],
    [[7], 99, 7],
    [[1, 2, 3], 50, 2],
    [[], 50, NaN],
  ])('%j at p%s -> %s', (values, at, expected) => {
    expect(percentile(values, at)).toBe(expected);
  });
});

describe('median and spread', () => {
  it.each([
    [[3, 1, 2], 2, '2 (1-3)'],
    [[4, 1, 3, 2], 2.5, '2.50 (1-4)'],
    [[5.5], 5.5, '5.50'],
    [[], NaN, '-'],
  ])('%j -> %s, %s', (values, middle, text) => {
    expect(median(values)).toBe(middle);
    expect(spread(values)).toBe(text);
  });
});

describe('tableLines', () => {
  it('right-aligns every column under its header, numbers formatted', () => {
    expect(
      tableLines('title', [
        { design: 'measurer', N: 100, 'wall ms': 54.83 },
        { design: 'baseline A', N: 10, 'wall ms': 2268 },
      ]),
    ).toEqual(['title', '    design    N  wall ms', '  measurer  100     54.8', 'baseline A   10     2268']);
  });
});
