import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import parsePrometheusText from 'parse-prometheus-text-format';
import { extractFamily, filterNames, type Family } from '../../scaler/extract.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/vllm-metrics/${name}`, import.meta.url)), 'utf8');

const page = (...lines: string[]): string => `${lines.join('\n')}\n`;
const values = (family: Family): number[] => family.samples.map((sample) => sample.value);

function extracted(text: string, name: string): Family {
  const result = extractFamily(text, name);
  if (!result.ok) throw new Error(`${result.problem.reason}: ${result.problem.message}`);
  return result.value;
}

describe('extractFamily: which lines belong to the family', () => {
  const W = 'vllm:num_requests_waiting';
  const cases: Array<[string, string, string, Partial<Family> & { values: number[] }]> = [
    ['a gauge', page(`# HELP ${W} Waiting.`, `# TYPE ${W} gauge`, `${W} 3.0`), W, { type: 'gauge', declared: true, values: [3] }],
    [
      'every series of a labelled gauge',
      page(`# TYPE ${W} gauge`, `${W}{engine="0"} 3`, `${W}{engine="1"} 4`),
      W,
      { name: W, type: 'gauge', values: [3, 4] },
    ],
    [
      'whole names only: _by_reason is another family',
      page(`# TYPE ${W} gauge`, `${W}{engine="0"} 3`, `# TYPE ${W}_by_reason gauge`, `${W}_by_reason{reason="capacity"} 100`, `${W}x 7`),
      W,
      { values: [3] },
    ],
    ['a family without # TYPE is untyped', page(`${W} 5`), W, { type: 'untyped', declared: false, values: [5] }],
    ['an explicitly untyped family', page(`# TYPE ${W} untyped`, `${W} 5`), W, { type: 'untyped', declared: true, values: [5] }],
    ['OpenMetrics "unknown" reads as untyped', page(`# TYPE ${W} unknown`, `${W} 5`, '# EOF'), W, { type: 'untyped', values: [5] }],
    [
      'a classic counter (prometheus_client: the family is named with _total)',
      page(
        '# HELP c_total Requests.',
        '# TYPE c_total counter',
        'c_total{code="200"} 10.0',
        'c_total{code="500"} 2.0',
        '# HELP c_created Requests.',
        '# TYPE c_created gauge',
        'c_created{code="200"} 1.7e+09',
      ),
      'c_total',
      { name: 'c_total', type: 'counter', values: [10, 2] },
    ],
    [
      'an OpenMetrics counter asked by family name: _total counts, _created does not',
      page('# TYPE c counter', 'c_total 10', 'c_created 1.7e9', '# EOF'),
      'c',
      { name: 'c', type: 'counter', values: [10] },
    ],
    [
      'an OpenMetrics counter asked by its sample name',
      page('# TYPE c counter', 'c_total 10', 'c_created 1.7e9', '# EOF'),
      'c_total',
      { name: 'c', type: 'counter', values: [10] },
    ],
    ['a counter without _total', page('# TYPE legacy counter', 'legacy 4'), 'legacy', { type: 'counter', values: [4] }],
    [
      'a labelled histogram is recognised as one, whole',
      page(
        '# TYPE h histogram',
        'h_bucket{engine="0",le="1.0"} 1.0',
        'h_bucket{engine="0",le="+Inf"} 2.0',
        'h_count{engine="0"} 2.0',
        'h_sum{engine="0"} 3.5',
        'h_bucket{engine="1",le="1.0"} 0.0',
        'h_bucket{engine="1",le="+Inf"} 1.0',
        'h_count{engine="1"} 1.0',
        'h_sum{engine="1"} 7.0',
        '# TYPE h_created gauge',
        'h_created{engine="0"} 1.7e9',
      ),
      'h',
      { name: 'h', type: 'histogram', values: [1, 2, 2, 3.5, 0, 1, 1, 7] },
    ],
    [
      'a filtered histogram (only _sum and _count came back)',
      page('# TYPE h histogram', 'h_count{engine="0"} 2.0', 'h_sum{engine="0"} 3.5'),
      'h',
      { type: 'histogram', values: [2, 3.5] },
    ],
    [
      'the _sum of a histogram is part of that histogram',
      page('# TYPE h histogram', 'h_count 2.0', 'h_sum 3.5'),
      'h_sum',
      { name: 'h', type: 'histogram', values: [3.5] },
    ],
    [
      'a summary',
      page('# TYPE s summary', 's_count{handler="/"} 1.0', 's_sum{handler="/"} 1234.0'),
      's',
      { type: 'summary', values: [1, 1234] },
    ],
    [
      'a gauge named like a part of another family stays itself',
      page('# TYPE x gauge', 'x 1', '# TYPE x_count gauge', 'x_count 9'),
      'x_count',
      { name: 'x_count', type: 'gauge', values: [9] },
    ],
    ['# TYPE after the samples', page(`${W} 5`, `# TYPE ${W} gauge`), W, { type: 'gauge', declared: true, values: [5] }],
    ['a family split by other lines', page(`# TYPE ${W} gauge`, `${W}{e="0"} 1`, 'other 9', `${W}{e="1"} 2`), W, { values: [1, 2] }],
    ['declared, with no series', page(`# HELP ${W} Waiting.`, `# TYPE ${W} gauge`), W, { type: 'gauge', declared: true, values: [] }],
  ];
  it.each(cases)('%s', (_name, text, name, expected) => {
    const { values: wanted, ...rest } = expected;
    const family = extracted(text, name);
    expect(family).toMatchObject(rest);
    expect(values(family)).toEqual(wanted);
  });
});

describe('extractFamily: the syntax of the lines it reads', () => {
  const cases: Array<[string, string, number[], Record<string, string>[] | null]> = [
    [
      'integer, decimal and exponent values',
      page('m{a="1"} 3', 'm{a="2"} 0.25', 'm{a="3"} 1.5e+02', 'm{a="4"} -2', 'm{a="5"} .5'),
      [3, 0.25, 150, -2, 0.5],
      null,
    ],
    [
      'NaN and infinities are values here (the aggregation decides)',
      page('m{a="1"} NaN', 'm{a="2"} +Inf', 'm{a="3"} -Inf'),
      [NaN, Infinity, -Infinity],
      null,
    ],
    ['a millisecond timestamp', page('m 5 1700000000000'), [5], null],
    ['a negative timestamp', page('m 5 -1'), [5], null],
    ['an OpenMetrics timestamp in seconds', page('# TYPE m gauge', 'm 5 1700000000.123', '# EOF'), [5], null],
    ['CRLF line ends', '# HELP m Waiting.\r\n# TYPE m gauge\r\nm{a="1"} 2\r\nm{a="2"} 3\r\n', [2, 3], null],
    ['no newline at the end', '# TYPE m gauge\nm 8', [8], null],
    ['blank lines and leading blanks', page('', '   # TYPE m gauge', '\t m 2', ''), [2], null],
    ['tabs between the parts', page('m{a="1"}\t2\t1700000000000'), [2], null],
    ['a blank between the name and the labels', page('m {a="1"} 2'), [2], [{ a: '1' }]],
    ['an empty label set', page('m{} 2'), [2], [{}]],
    ['a trailing comma in the label set', page('m{a="1",} 2'), [2], [{ a: '1' }]],
    ['an escaped quote in a label value', page('m{path="say \\"hi\\""} 1'), [1], [{ path: 'say "hi"' }]],
    ['an escaped backslash in a label value', page('m{path="C:\\\\dir"} 1'), [1], [{ path: 'C:\\dir' }]],
    ['an escaped newline in a label value', page('m{text="a\\nb"} 1'), [1], [{ text: 'a\nb' }]],
    ['a closing brace inside a label value', page('m{q="x} 99"} 1'), [1], [{ q: 'x} 99' }]],
    ['a # inside a label value', page('m{q="a # {b=\\"c\\"} 2"} 1'), [1], [{ q: 'a # {b="c"} 2' }]],
    ['an escaped backslash before the closing quote', page('m{q="end\\\\"} 4'), [4], [{ q: 'end\\' }]],
    [
      'an OpenMetrics exemplar is ignored',
      page('# TYPE m counter', 'm_total{a="1"} 7 # {trace_id="abc"} 1.0 1700000000.0', '# EOF'),
      [7],
      null,
    ],
    ['HELP lines, even empty or odd ones, are ignored', page('# HELP m', '# HELP m with \\\\ and \\n escapes', 'm 1'), [1], null],
    ['other comments are ignored', page('# a comment about m', '#TYPEm nonsense', 'm 1'), [1], null],
    ['nothing after # EOF is read', page('# TYPE m gauge', 'm 1', '# EOF', 'm{a="late"} 100'), [1], null],
  ];
  it.each(cases)('%s', (_name, text, wanted, labels) => {
    const family = extracted(text, 'm');
    expect(values(family)).toEqual(wanted);
    if (labels !== null) expect(family.samples.map((sample) => sample.labels)).toEqual(labels);
  });
});

describe('extractFamily: problems', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['an empty page', '', 'FamilyAbsent', /no metric family "m"/],
    ['only other families', page('# TYPE other gauge', 'other 1', 'mm 2', 'm_bytes 3'), 'FamilyAbsent', /no metric family "m"/],
    ['a counter asked without _total', page('# TYPE m_total counter', 'm_total 1'), 'FamilyAbsent', /did you mean "m_total"/],
    ['the family only after # EOF', page('# EOF', 'm 1'), 'FamilyAbsent', /no metric family/],
    ['a value that is not a number', page('m abc'), 'ParseError', /line 1 .*"abc" is not a number/],
    ['a hexadecimal value', page('m 0x10'), 'ParseError', /not a number/],
    ['a value with a unit', page('m 10ms'), 'ParseError', /not a number/],
    ['no value', page('# TYPE m gauge', 'm{a="1"}'), 'ParseError', /line 2 .*no value/],
    ['a bare name', page('m'), 'ParseError', /no value/],
    ['an unclosed label set', page('m{a="1" 5'), 'ParseError', /not closed/],
    ['an unterminated label value', page('m{a="1} 5'), 'ParseError', /not closed/],
    ['an unquoted label value', page('m{a=1} 5'), 'ParseError', /label set is malformed/],
    ['a label without a value', page('m{a} 5'), 'ParseError', /./],
    ['text after the timestamp', page('m 5 1700000000000 extra'), 'ParseError', /unexpected text/],
    ['a timestamp that is not a number', page('m 5 yesterday'), 'ParseError', /"yesterday" is not a timestamp/],
    ['an unknown type in its # TYPE line', page('# TYPE m bogus', 'm 1'), 'ParseError', /# TYPE line needs one of the types/],
    ['a # TYPE line without a type', page('# TYPE m', 'm 1'), 'ParseError', /# TYPE/],
    ['two # TYPE lines', page('# TYPE m gauge', 'm 1', '# TYPE m gauge'), 'ParseError', /declared twice/],
    ['the same series twice', page('m{a="1",b="2"} 1', 'm{b="2",a="1"} 2'), 'ParseError', /same series appears twice/],
    ['one bad line among good ones', page('# TYPE m gauge', 'm{e="0"} 1', 'm{e="1"} one', 'm{e="2"} 3'), 'ParseError', /line 3/],
  ];
  it.each(cases)('%s -> %s', (_name, text, reason, message) => {
    const result = extractFamily(text, 'm');
    expect(result).toEqual({ ok: false, problem: { reason, message: expect.stringMatching(message) } });
  });

  it('quotes only the start of a very long bad line', () => {
    const result = extractFamily(`m{a="${'x'.repeat(10_000)}"} oops\n`, 'm');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message.length).toBeLessThan(300);
  });
});

describe('extractFamily: lines of other families are irrelevant, however broken', () => {
  const broken = [
    'garbage that is not a metric',
    'other{{{ 1',
    'other{a="1} 2',
    '# TYPE other bogus',
    '# TYPE m_bucket',
    'mm abc',
    'm_bytes{a=1} x',
    '}{"\\',
    '\u0000\u0001 binary',
  ];
  it.each(broken)('%j', (line) => {
    expect(values(extracted(page('# TYPE m gauge', line, 'm 4', line), 'm'))).toEqual([4]);
  });
});

describe('extractFamily on vLLM pages', () => {
  const pages = ['vllm-v1-idle.txt', 'vllm-v1-after-traffic.txt', 'vllm-v1-two-engines.txt'];
  const cases: Array<[string, string, Partial<Family>, number]> = [
    ['vllm-v1-idle.txt', 'vllm:num_requests_waiting', { type: 'gauge' }, 1],
    ['vllm-v1-two-engines.txt', 'vllm:num_requests_waiting', { type: 'gauge' }, 2],
    ['vllm-v1-two-engines.txt', 'vllm:num_requests_waiting_by_reason', { type: 'gauge' }, 4],
    ['vllm-v1-after-traffic.txt', 'vllm:engine_sleep_state', { type: 'gauge' }, 3],
    ['vllm-v1-after-traffic.txt', 'vllm:prompt_tokens_total', { type: 'counter' }, 1],
    ['vllm-v1-two-engines.txt', 'vllm:prompt_tokens_total', { type: 'counter' }, 2],
    ['vllm-v1-after-traffic.txt', 'vllm:request_prompt_tokens', { type: 'histogram' }, 19],
    ['vllm-v1-after-traffic.txt', 'vllm:request_prompt_tokens_sum', { name: 'vllm:request_prompt_tokens', type: 'histogram' }, 1],
    ['vllm-v1-after-traffic.txt', 'http_request_size_bytes', { type: 'summary' }, 6],
  ];
  it.each(cases)('%s: %s', (file, name, expected, series) => {
    const family = extracted(fixture(file), name);
    expect(family).toMatchObject(expected);
    expect(family.samples).toHaveLength(series);
  });

  it('reads the values on the page', () => {
    expect(values(extracted(fixture('vllm-v1-two-engines.txt'), 'vllm:prompt_tokens_total'))).toEqual([3.521011e6, 9.221207e6]);
    expect(values(extracted(fixture('vllm-v1-after-traffic.txt'), 'vllm:engine_sleep_state'))).toEqual([1, 0, 0]);
  });

  it('sums the right family when neighbours share its prefix', () => {
    const text = fixture('vllm-v1-two-engines.txt')
      .replace(
        'vllm:num_requests_waiting{engine="0",model_name="phi-4-mini"} 0.0',
        'vllm:num_requests_waiting{engine="0",model_name="phi-4-mini"} 3.0',
      )
      .replace(
        'vllm:num_requests_waiting{engine="1",model_name="phi-4-mini"} 0.0',
        'vllm:num_requests_waiting{engine="1",model_name="phi-4-mini"} 4.0',
      )
      .replace(
        'vllm:num_requests_waiting_by_reason{engine="0",model_name="phi-4-mini",reason="capacity"} 0.0',
        'vllm:num_requests_waiting_by_reason{engine="0",model_name="phi-4-mini",reason="capacity"} 50.0',
      );
    expect(values(extracted(text, 'vllm:num_requests_waiting'))).toEqual([3, 4]);
    expect(values(extracted(text, 'vllm:num_requests_waiting_by_reason'))).toEqual([50, 0, 0, 0]);
  });

  it.each(['vllm-v1-idle.txt', 'vllm-v1-after-traffic.txt', 'vllm-v1-two-engines.txt'])(
    '%s, every family, the same as with CRLF line ends',
    (file) => {
      const text = fixture(file);
      const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string);
      expect(names.length).toBeGreaterThan(50);
      for (const name of names) expect(extractFamily(text.replace(/\n/g, '\r\n'), name)).toEqual(extractFamily(text, name));
    },
  );

  // The library reads gauges and counters of a whole page correctly (histograms it does not);
  // for those the two must agree on every series of every page.
  it.each(pages)('%s: gauges and counters agree with a full parse by the library', (file) => {
    const text = fixture(file);
    let compared = 0;
    for (const family of parsePrometheusText(text)) {
      if (family.type !== 'GAUGE' && family.type !== 'COUNTER') continue;
      const ours = extracted(text, family.name);
      expect(ours.type).toBe(family.type.toLowerCase());
      expect(values(ours)).toEqual(family.metrics.map((sample) => Number(sample.value)));
      expect(ours.samples.map((sample) => sample.labels)).toEqual(family.metrics.map((sample) => sample.labels ?? {}));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(40);
  });
});

describe('filterNames', () => {
  it('asks for the family and the sample names a histogram, summary or OpenMetrics counter would use', () => {
    expect(filterNames('vllm:num_requests_waiting')).toEqual([
      'vllm:num_requests_waiting',
      'vllm:num_requests_waiting_sum',
      'vllm:num_requests_waiting_count',
      'vllm:num_requests_waiting_total',
    ]);
  });
});
