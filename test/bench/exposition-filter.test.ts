import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { filterExposition, requestedNames, sampleName } from '../../bench/support/exposition-filter.js';
import { renderExposition } from '../../dev/exposition.js';
import { advance, createVllmState, families } from '../../dev/vllm-metrics.js';
import { extractFamily, filterNames } from '../../scaler/extract.js';
import { filteredUrl } from '../../scaler/scrape.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/vllm-metrics/${name}`, import.meta.url)), 'utf8');
const page = (...lines: string[]): string => `${lines.join('\n')}\n`;

const PAGE = page(
  '# HELP w Waiting.',
  '# TYPE w gauge',
  'w{engine="0"} 1.0',
  'w{engine="1"} 2.0',
  '# HELP w_by_reason Waiting by reason.',
  '# TYPE w_by_reason gauge',
  'w_by_reason{reason="capacity"} 3.0',
  '# HELP c_total Tokens.',
  '# TYPE c_total counter',
  'c_total 4.0',
  '# HELP c_created Tokens.',
  '# TYPE c_created gauge',
  'c_created 1.7e+09',
  '# HELP h Latency.',
  '# TYPE h histogram',
  'h_bucket{le="0.1"} 1.0',
  'h_bucket{le="+Inf"} 2.0',
  'h_count 2.0',
  'h_sum 0.3',
);

describe('filterExposition: what a prometheus_client server answers to ?name[]=', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'a gauge, under its HELP and TYPE lines',
      ['w'],
      page('# HELP w Waiting.', '# TYPE w gauge', 'w{engine="0"} 1.0', 'w{engine="1"} 2.0'),
    ],
    ['whole sample names only: a longer family is not a match', ['w_by'], ''],
    ['a counter by its sample name', ['c_total'], page('# HELP c_total Tokens.', '# TYPE c_total counter', 'c_total 4.0')],
    ['a counter by its family name finds nothing', ['c'], ''],
    ['a histogram without its buckets', ['h_sum', 'h_count'], page('# HELP h Latency.', '# TYPE h histogram', 'h_count 2.0', 'h_sum 0.3')],
    [
      'several families, in page order',
      ['h_sum', 'w'],
      page(
        '# HELP w Waiting.',
        '# TYPE w gauge',
        'w{engine="0"} 1.0',
        'w{engine="1"} 2.0',
        '# HELP h Latency.',
        '# TYPE h histogram',
        'h_sum 0.3',
      ),
    ],
    [
      "the scaler's names for a gauge",
      filterNames('w'),
      page('# HELP w Waiting.', '# TYPE w gauge', 'w{engine="0"} 1.0', 'w{engine="1"} 2.0'),
    ],
    ['nothing asked, nothing sent', [], ''],
    ['an unknown name', ['nope'], ''],
  ];
  it.each(cases)('%s', (_name, names, expected) => {
    expect(filterExposition(PAGE, new Set(names))).toBe(expected);
  });

  it('answers as the simulated vLLM replica does for the same families', () => {
    const state = createVllmState({ now: Date.parse('2026-01-01T00:00:00Z'), engines: 2, seed: 7 });
    advance(state, 30, { waiting: 3, running: 5 });
    const whole = renderExposition(families(state));
    const asked = [
      filterNames('vllm:num_requests_waiting'),
      filterNames('vllm:e2e_request_latency_seconds'),
      ['vllm:prompt_tokens_total', 'vllm:num_requests_running'],
      ['vllm:time_to_first_token_seconds_bucket'],
    ];
    for (const names of asked) expect(filterExposition(whole, new Set(names))).toBe(renderExposition(families(state), new Set(names)));
  });
});

describe('filterExposition on the vLLM fixtures', () => {
  const cases: Array<[string, string]> = [
    ['vllm-v1-after-traffic.txt', 'vllm:num_requests_waiting'],
    ['vllm-v1-two-engines.txt', 'vllm:num_requests_waiting'],
    ['vllm-v1-idle.txt', 'vllm:num_requests_running'],
    ['vllm-v1-after-traffic.txt', 'vllm:prompt_tokens_total'],
  ];
  it.each(cases)('%s, %s: the filtered page holds the same family, in a few hundred bytes', (file, metric) => {
    const whole = fixture(file);
    const filtered = filterExposition(whole, requestedNames(filteredUrl('http://replica/metrics', filterNames(metric))));
    expect(extractFamily(filtered, metric)).toEqual(extractFamily(whole, metric));
    expect(filtered.length).toBeLessThan(600);
    expect(whole.length / filtered.length).toBeGreaterThan(50);
  });
});

describe('sampleName', () => {
  it.each([
    ['m 1', 'm'],
    ['m{a="1"} 1', 'm'],
    ['m\t1', 'm'],
    ['vllm:x_total{engine="0"} 4.0', 'vllm:x_total'],
    ['bare', 'bare'],
  ])('%j -> %s', (line, expected) => {
    expect(sampleName(line)).toBe(expected);
  });
});
