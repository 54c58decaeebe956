import { extractFamily, filterNames } from '../../scaler/extract.js';
import { readSeries } from '../../scaler/series.js';
import {
  bucketQuantile,
  increase,
  inWindow,
  percentile,
  rate,
  windowedAverage,
  type Increase,
  type SeriesReading,
  type Snapshot,
} from '../../scaler/windowed.js';

const INF = Infinity;
const layout = (buckets: Array<[number, number]>) => ({
  bounds: buckets.map(([bound]) => bound),
  counts: Float64Array.from(buckets, ([, count]) => count),
});
const histogram = (count: number, sum: number, buckets?: Array<[number, number]>, key = ''): SeriesReading => ({
  key,
  count,
  sum,
  ...(buckets && { buckets: layout(buckets) }),
});
const at = (seconds: number, ...series: SeriesReading[]): Snapshot => ({ at: seconds * 1000, series });
const counter = (value: number, key = ''): SeriesReading => ({ key, count: value, sum: 0 });

describe('inWindow: from the newest sample at or before the start to the newest', () => {
  const history = [at(0), at(15), at(30), at(45), at(60)];
  it.each<[string, number, number, number[]]>([
    ['a full window starts at the sample on its start', 60, 30, [30, 45, 60]],
    ['between samples, the one before the start is the baseline', 60, 40, [15, 30, 45, 60]],
    ['history shorter than the window: all of it', 60, 300, [0, 15, 30, 45, 60]],
    ['samples after now are not read', 30, 30, [0, 15, 30]],
    ['empty history', 60, 30, []],
  ])('%s', (_name, now, window, expected) => {
    const source = expected.length === 0 ? [] : history;
    expect(inWindow(source, now * 1000, window * 1000).map((snapshot) => snapshot.at / 1000)).toEqual(expected);
  });
});

describe('increase: per series, reset-aware', () => {
  it.each<[string, Snapshot[], Partial<Increase> | undefined]>([
    ['one sample: nothing to compare', [at(0, histogram(5, 10))], undefined],
    ['no samples', [], undefined],
    [
      'steady growth',
      [at(0, histogram(10, 5)), at(15, histogram(14, 7)), at(30, histogram(20, 10))],
      { count: 10, sum: 5, resets: 0, from: 0, to: 30_000 },
    ],
    ['no change', [at(0, histogram(10, 5)), at(15, histogram(10, 5))], { count: 0, sum: 0 }],
    [
      'a restart in the window counts from 0, never negative',
      [at(0, histogram(100, 50)), at(15, histogram(110, 55)), at(30, histogram(3, 1.5)), at(45, histogram(5, 2.5))],
      { count: 10 + 3 + 2, sum: 5 + 1.5 + 1, resets: 1 },
    ],
    ['a restart back to exactly 0', [at(0, histogram(100, 50)), at(15, histogram(0, 0))], { count: 0, sum: 0, resets: 1 }],
    [
      'label sets are separate series: one restarting does not cancel the other',
      [
        at(0, histogram(10, 1, undefined, 'a'), histogram(50, 5, undefined, 'b')),
        at(15, histogram(12, 2, undefined, 'a'), histogram(1, 0.5, undefined, 'b')),
      ],
      { count: 2 + 1, sum: 1 + 0.5, resets: 1 },
    ],
    [
      'a new label set counts from 0',
      [at(0, histogram(10, 1, undefined, 'a')), at(15, histogram(10, 1, undefined, 'a'), histogram(4, 2, undefined, 'b'))],
      { count: 4, sum: 2, resets: 0 },
    ],
    [
      'a label set that disappears adds nothing',
      [at(0, histogram(10, 1, undefined, 'a'), histogram(4, 2, undefined, 'b')), at(15, histogram(11, 2, undefined, 'a'))],
      { count: 1, sum: 1 },
    ],
    ['a counter', [at(0, counter(1000)), at(10, counter(1500)), at(20, counter(2500))], { count: 1500 }],
    ['a counter reset', [at(0, counter(1000)), at(10, counter(200))], { count: 200, resets: 1 }],
  ])('%s', (_name, samples, expected) => {
    const result = increase(samples);
    if (expected === undefined) expect(result).toBeUndefined();
    else expect(result).toMatchObject(expected);
  });

  it('buckets increase per bound; a bucket going down is a restart even if the count did not', () => {
    const before = histogram(10, 5, [
      [0.5, 4],
      [1, 8],
      [INF, 10],
    ]);
    const after = histogram(12, 6, [
      [0.5, 6],
      [1, 10],
      [INF, 12],
    ]);
    expect(increase([at(0, before), at(15, after)])?.buckets).toEqual(
      new Map([
        [0.5, 2],
        [1, 2],
        [INF, 2],
      ]),
    );
    const odd = histogram(10, 5, [
      [0.5, 1],
      [1, 8],
      [INF, 10],
    ]);
    expect(increase([at(0, before), at(15, odd)])).toMatchObject({
      count: 10,
      resets: 1,
      buckets: new Map([
        [0.5, 1],
        [1, 8],
        [INF, 10],
      ]),
    });
  });

  it('a bucket layout that changed (a restart with other buckets) counts the new buckets from 0', () => {
    const before = histogram(10, 5, [
      [0.5, 4],
      [INF, 10],
    ]);
    const after = histogram(13, 6, [
      [0.25, 1],
      [0.5, 6],
      [INF, 13],
    ]);
    expect(increase([at(0, before), at(15, after)])?.buckets).toEqual(
      new Map([
        [0.25, 1],
        [0.5, 2],
        [INF, 3],
      ]),
    );
  });
});

const inc = (count: number, sum: number, buckets?: Array<[number, number]>, seconds = 300): Increase => ({
  count,
  sum,
  from: 0,
  to: seconds * 1000,
  resets: 0,
  ...(buckets && { buckets: new Map(buckets) }),
});

describe('windowedAverage: Σ Δsum / Σ Δcount over replicas', () => {
  it.each<[string, Increase[], number, number]>([
    ['one replica', [inc(10, 5)], 0.5, 10],
    ['replicas weighted by their observations, not averaged', [inc(10, 5), inc(30, 45)], 50 / 40, 40],
    ['no observations in the window -> 0', [inc(0, 0), inc(0, 0)], 0, 0],
    ['no replicas -> 0', [], 0, 0],
    ['one busy replica, one idle', [inc(4, 8), inc(0, 0)], 2, 4],
  ])('%s', (_name, increases, value, observations) => {
    expect(windowedAverage(increases)).toMatchObject({ value, observations });
  });
});

describe('bucketQuantile (Prometheus histogram_quantile)', () => {
  it.each<[string, number, number[], number[], number]>([
    ['median inside the second bucket', 0.5, [1, 2, INF], [2, 8, 10], 1 + (5 - 2) / 6],
    ['inside the first bucket, from 0', 0.1, [1, 2, INF], [2, 8, 10], 0.5],
    ['in the +Inf bucket: the largest finite bound', 0.99, [1, 2, INF], [2, 8, 10], 2],
    ['a first bound <= 0 is returned as is', 0.1, [0, 1, INF], [5, 8, 10], 0],
    ['non-monotonic counts are made monotonic', 0.5, [1, 2, 4, INF], [4, 3, 8, 10], 2 + 2 * ((5 - 4) / 4)],
  ])('%s', (_name, q, bounds, counts, expected) => {
    expect(bucketQuantile(q, bounds, counts)).toBeCloseTo(expected, 12);
  });
});

describe('percentile over replicas', () => {
  const layout: Array<[number, number]> = [
    [0.1, 10],
    [0.5, 60],
    [1, 90],
    [INF, 100],
  ];
  it.each<[string, Increase[], number, number, unknown]>([
    ['one replica, p90', [inc(100, 40, layout)], 0.9, 20, { value: 1, observations: 100 }],
    [
      'two replicas with the same layout are summed per bound',
      [inc(100, 40, layout), inc(100, 40, layout)],
      0.5,
      20,
      { value: 0.1 + (0.4 * (100 - 20)) / 100, observations: 200 },
    ],
    [
      'differing layouts are summed over the shared bounds',
      [
        inc(100, 40, layout),
        inc(100, 40, [
          [0.25, 50],
          [0.5, 60],
          [INF, 100],
        ]),
      ],
      0.5,
      20,
      { value: 0.5 * (100 / 120), observations: 200 },
    ],
    [
      'fewer observations than minSamples -> 0, said so',
      [
        inc(10, 1, [
          [0.5, 5],
          [INF, 10],
        ]),
      ],
      0.9,
      20,
      { value: 0, observations: 10, note: expect.stringContaining('minSamples (20)') },
    ],
    [
      'no observations -> 0',
      [
        inc(0, 0, [
          [0.5, 0],
          [INF, 0],
        ]),
      ],
      0.9,
      20,
      { value: 0, observations: 0 },
    ],
    ['no buckets served', [inc(10, 1)], 0.9, 20, { problem: expect.stringContaining('no buckets') }],
    [
      'layouts that share only +Inf',
      [
        inc(100, 4, [
          [0.1, 1],
          [INF, 100],
        ]),
        inc(100, 4, [
          [0.2, 1],
          [INF, 100],
        ]),
      ],
      0.9,
      20,
      { problem: expect.stringContaining('share no bucket bounds') },
    ],
    [
      'all observations above the last finite bound',
      [
        inc(50, 500, [
          [1, 0],
          [INF, 50],
        ]),
      ],
      0.5,
      20,
      { value: 1 },
    ],
  ])('%s', (_name, increases, q, minSamples, expected) => {
    const result = percentile(increases, q, minSamples);
    if ('value' in (expected as object)) {
      expect(result).toMatchObject({ ...(expected as object), value: expect.closeTo((expected as { value: number }).value, 12) });
    } else {
      expect(result).toMatchObject(expected as object);
    }
  });
});

describe('rate: mean over replicas of Δvalue / Δt', () => {
  it.each<[string, Increase[], unknown]>([
    ['one replica', [inc(600, 0, undefined, 60)], { value: 10 }],
    ['mean of per-replica rates', [inc(600, 0, undefined, 60), inc(300, 0, undefined, 60)], { value: 7.5 }],
    ['replicas over different spans', [inc(600, 0, undefined, 60), inc(300, 0, undefined, 15)], { value: 15 }],
    ['idle -> 0', [inc(0, 0, undefined, 60)], { value: 0 }],
    ['no span yet', [inc(5, 0, undefined, 0)], { problem: expect.stringContaining('two samples') }],
    ['no replicas', [], { problem: expect.stringContaining('two samples') }],
  ])('%s', (_name, increases, expected) => {
    expect(rate(increases)).toMatchObject(expected as object);
  });
});

describe('readSeries: labelled histograms, every label set, every le', () => {
  const page = [
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="m"} 3.0',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="1.0",model_name="m"} 8.0',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} 10.0',
    'vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} 10.0',
    'vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} 4.5',
    'vllm:time_to_first_token_seconds_bucket{engine="1",le="0.1",model_name="m"} 1.0',
    'vllm:time_to_first_token_seconds_bucket{engine="1",le="1.0",model_name="m"} 1.0',
    'vllm:time_to_first_token_seconds_bucket{engine="1",le="+Inf",model_name="m"} 2.0',
    'vllm:time_to_first_token_seconds_count{engine="1",model_name="m"} 2.0',
    'vllm:time_to_first_token_seconds_sum{engine="1",model_name="m"} 3.0',
    '# HELP vllm:time_to_first_token_seconds_created Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds_created gauge',
    'vllm:time_to_first_token_seconds_created{engine="0",model_name="m"} 1.7e9',
    '',
  ].join('\n');
  const family = extractFamily(page, 'vllm:time_to_first_token_seconds');

  it('with buckets: one reading per label set, each bucket by bound', () => {
    if (!family.ok) throw new Error(family.problem.message);
    expect(readSeries(family.value, 'histogram', true)).toEqual({
      ok: true,
      value: [
        {
          key: '{engine="0",model_name="m"}',
          count: 10,
          sum: 4.5,
          buckets: layout([
            [0.1, 3],
            [1, 8],
            [INF, 10],
          ]),
        },
        {
          key: '{engine="1",model_name="m"}',
          count: 2,
          sum: 3,
          buckets: layout([
            [0.1, 1],
            [1, 1],
            [INF, 2],
          ]),
        },
      ],
    });
  });

  it('without buckets: counts and sums only', () => {
    if (!family.ok) throw new Error(family.problem.message);
    expect(readSeries(family.value, 'histogram', false)).toEqual({
      ok: true,
      value: [
        { key: '{engine="0",model_name="m"}', count: 10, sum: 4.5 },
        { key: '{engine="1",model_name="m"}', count: 2, sum: 3 },
      ],
    });
  });

  it.each<[string, string, 'histogram' | 'counter', string]>([
    ['NaN sum', '# TYPE h histogram\nh_count 1\nh_sum NaN\n', 'histogram', 'NotFinite'],
    ['+Inf count', '# TYPE h histogram\nh_count +Inf\nh_sum 1\n', 'histogram', 'NotFinite'],
    ['a bucket without a numeric le', '# TYPE h histogram\nh_bucket{le="x"} 1\nh_count 1\nh_sum 1\n', 'histogram', 'ParseError'],
    ['a gauge read as a histogram', '# TYPE h gauge\nh 1\n', 'histogram', 'UnsupportedMetricType'],
    ['a histogram read as a counter', '# TYPE h histogram\nh_count 1\nh_sum 1\n', 'counter', 'UnsupportedMetricType'],
    ['declared without series', '# TYPE h histogram\n', 'histogram', 'FamilyAbsent'],
  ])('%s -> %s', (_name, text, kind, reason) => {
    const read = extractFamily(text, 'h');
    if (!read.ok) throw new Error(read.problem.message);
    const result = readSeries(read.value, kind, true);
    expect(result.ok ? 'ok' : result.problem.reason).toBe(reason);
  });

  it('a counter as prometheus_client exposes it (`_total` samples, `_created` left out)', () => {
    const text =
      '# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{engine="0"} 120.0\n# TYPE vllm:generation_tokens_created gauge\nvllm:generation_tokens_created{engine="0"} 1.7e9\n';
    const read = extractFamily(text, 'vllm:generation_tokens_total');
    if (!read.ok) throw new Error(read.problem.message);
    expect(readSeries(read.value, 'counter', false)).toEqual({ ok: true, value: [{ key: '{engine="0"}', count: 120, sum: 0 }] });
  });
});

describe('filterNames asks for buckets only when a percentile reads them', () => {
  it.each<[boolean, boolean]>([
    [false, false],
    [true, true],
  ])('withBuckets %s -> _bucket asked: %s', (withBuckets, asked) => {
    expect(filterNames('h', withBuckets).includes('h_bucket')).toBe(asked);
  });
});
