import { formatValue, renderExposition, type Family } from '../../dev/exposition.js';

describe('formatValue writes numbers as prometheus_client does', () => {
  // Expected strings produced by prometheus_client.utils.floatToGoString.
  it.each<[number, string]>([
    [0.0, '0.0'],
    [1.0, '1.0'],
    [192.0, '192.0'],
    [29626368.0, '2.9626368e+07'],
    [1795808464.24, '1.79580846424e+09'],
    [1795808464.9767077, '1.7958084649767077e+09'],
    [0.84, '0.84'],
    [5195986.0, '5.195986e+06'],
    [7227470.0, '7.22747e+06'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [123456.0, '123456.0'],
    [1234567.0, '1.234567e+06'],
    [10000000.0, '1e+07'],
    [1e16, '1e+16'],
    [1e20, '1e+20'],
    [2.5e-7, '2.5e-07'],
    [-29626368.0, '-29626368.0'],
    [-0.5, '-0.5'],
    [1e308, '1e+308'],
    [4294967296.0, '4.294967296e+09'],
    [1.2345678901234568e16, '1.2345678901234568e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%p -> %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('renderExposition', () => {
  const families: Family[] = [
    {
      name: 'vllm:num_requests_waiting',
      help: 'Waiting.',
      type: 'gauge',
      samples: [{ name: 'vllm:num_requests_waiting', labels: { model_name: 'm', engine: '0' }, value: 3 }],
    },
    {
      name: 'vllm:e2e_request_latency_seconds',
      help: 'E2E\\latency\nin seconds.',
      type: 'histogram',
      samples: [
        { name: 'vllm:e2e_request_latency_seconds_bucket', labels: { le: '+Inf', model_name: 'm' }, value: 1 },
        { name: 'vllm:e2e_request_latency_seconds_count', labels: { model_name: 'm' }, value: 1 },
        { name: 'vllm:e2e_request_latency_seconds_sum', labels: { model_name: 'm' }, value: 1.5 },
      ],
    },
    { name: 'odd', help: 'Odd labels.', type: 'gauge', samples: [{ name: 'odd', labels: { path: 'a"b\\c\nd' }, value: 1 }] },
  ];

  it('writes HELP, TYPE and samples with sorted, escaped labels', () => {
    expect(renderExposition(families)).toBe(
      '# HELP vllm:num_requests_waiting Waiting.\n' +
        '# TYPE vllm:num_requests_waiting gauge\n' +
        'vllm:num_requests_waiting{engine="0",model_name="m"} 3.0\n' +
        '# HELP vllm:e2e_request_latency_seconds E2E\\\\latency\\nin seconds.\n' +
        '# TYPE vllm:e2e_request_latency_seconds histogram\n' +
        'vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 1.0\n' +
        'vllm:e2e_request_latency_seconds_count{model_name="m"} 1.0\n' +
        'vllm:e2e_request_latency_seconds_sum{model_name="m"} 1.5\n' +
        '# HELP odd Odd labels.\n' +
        '# TYPE odd gauge\n' +
        'odd{path="a\\"b\\\\c\\nd"} 1.0\n',
    );
  });

  // The same answers prometheus_client's restricted registry gives.
  it.each<[string, string[], string[]]>([
    ['a gauge by its name', ['vllm:num_requests_waiting'], ['vllm:num_requests_waiting{engine="0",model_name="m"} 3.0']],
    ['a histogram by its family name: nothing', ['vllm:e2e_request_latency_seconds'], []],
    [
      'a histogram by _sum and _count',
      ['vllm:e2e_request_latency_seconds_sum', 'vllm:e2e_request_latency_seconds_count'],
      ['vllm:e2e_request_latency_seconds_count{model_name="m"} 1.0', 'vllm:e2e_request_latency_seconds_sum{model_name="m"} 1.5'],
    ],
    ['an unknown name: nothing', ['nope'], []],
  ])('filters %s', (_name, names, samples) => {
    const text = renderExposition(families, new Set(names));
    expect(text.split('\n').filter((line) => line && !line.startsWith('#'))).toEqual(samples);
    if (samples.length === 0) expect(text).toBe('');
  });
});
