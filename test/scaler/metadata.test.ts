import { parseDuration, parseTriggerMetadata, targetUrls, type TriggerConfig } from '../../scaler/metadata.js';
import { triggerConfig } from './helpers.js';

const required = {
  inferenceSetName: 'phi-4',
  inferenceSetNamespace: 'default',
  metricName: 'vllm:num_requests_waiting',
  threshold: '10',
};

describe('parseTriggerMetadata: defaults', () => {
  it('fills in every optional key', () => {
    expect(parseTriggerMetadata(required)).toEqual({
      ok: true,
      value: {
        inferenceSetName: 'phi-4',
        inferenceSetNamespace: 'default',
        metricName: 'vllm:num_requests_waiting',
        threshold: 10,
        metricProtocol: 'http',
        metricPort: 80,
        metricPath: '/metrics',
        scrapeTimeoutMs: 3000,
        aggregation: 'sum',
        windowMs: 300_000,
        minSamples: 20,
      },
    });
  });

  it('ignores keys it does not know (KEDA adds its own) and leaves the input alone', () => {
    const metadata = { ...required, scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450', somethingElse: '' };
    const before = { ...metadata };
    expect(parseTriggerMetadata(metadata).ok).toBe(true);
    expect(metadata).toEqual(before);
  });
});

describe('parseTriggerMetadata: good values of each key', () => {
  const cases: Array<[string, string, Partial<TriggerConfig>]> = [
    ['inferenceSetName', 'a', { inferenceSetName: 'a' }],
    ['inferenceSetName', 'phi-4.mini-2', { inferenceSetName: 'phi-4.mini-2' }],
    ['inferenceSetName', 'a'.repeat(253), { inferenceSetName: 'a'.repeat(253) }],
    ['inferenceSetNamespace', 'kube-system', { inferenceSetNamespace: 'kube-system' }],
    ['inferenceSetNamespace', 'n'.repeat(63), { inferenceSetNamespace: 'n'.repeat(63) }],
    ['metricName', 'vllm:gpu_cache_usage_perc', { metricName: 'vllm:gpu_cache_usage_perc' }],
    ['metricName', '_private', { metricName: '_private' }],
    ['metricName', ':colon_first', { metricName: ':colon_first' }],
    ['metricName', 'http_requests_total', { metricName: 'http_requests_total' }],
    ['threshold', '2.5', { threshold: 2.5 }],
    ['threshold', '0.001', { threshold: 0.001 }],
    ['threshold', '0.0015', { threshold: 0.0015 }],
    ['threshold', '00.010', { threshold: 0.01 }],
    ['threshold', '.5', { threshold: 0.5 }],
    ['threshold', '007', { threshold: 7 }],
    ['threshold', '1000000', { threshold: 1_000_000 }],
    ['metricProtocol', 'https', { metricProtocol: 'https' }],
    ['metricPort', '1', { metricPort: 1 }],
    ['metricPort', '8000', { metricPort: 8000 }],
    ['metricPort', '65535', { metricPort: 65535 }],
    ['metricPath', '/', { metricPath: '/' }],
    ['metricPath', '/v1/metrics', { metricPath: '/v1/metrics' }],
    ['metricPath', '/metrics?format=text&x=%20y', { metricPath: '/metrics?format=text&x=%20y' }],
    ['scrapeTimeout', '500ms', { scrapeTimeoutMs: 500 }],
    ['scrapeTimeout', '1.5s', { scrapeTimeoutMs: 1500 }],
    ['scrapeTimeout', '1.1s', { scrapeTimeoutMs: 1100 }],
    ['scrapeTimeout', '1s500ms', { scrapeTimeoutMs: 1500 }],
    ['scrapeTimeout', '1m', { scrapeTimeoutMs: 60_000 }],
    ['scrapeTimeout', '1ms', { scrapeTimeoutMs: 1 }],
    ['aggregation', 'sum', { aggregation: 'sum' }],
  ];
  it.each(cases)('%s = %j', (key, value, expected) => {
    expect(parseTriggerMetadata({ ...required, [key]: value })).toEqual({ ok: true, value: expect.objectContaining(expected) });
  });
});

describe('parseTriggerMetadata: each bad form names the key and the rule', () => {
  const missing: Array<[string, RegExp]> = [
    ['inferenceSetName', /name of the InferenceSet/],
    ['inferenceSetNamespace', /namespace of the InferenceSet/],
    ['metricName', /Prometheus metric family name/],
    ['threshold', /per-replica target value/],
  ];
  it.each(missing)('%s missing', (key, rule) => {
    const metadata: Record<string, string> = { ...required };
    delete metadata[key];
    const result = parseTriggerMetadata(metadata);
    expect(result).toEqual({
      ok: false,
      problem: { reason: 'InvalidMetadata', message: expect.stringMatching(new RegExp(`^metadata "${key}" is required: ${rule.source}`)) },
    });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['inferenceSetName', '', /lowercase letters, digits, "-" and "."/],
    ['inferenceSetName', 'Phi-4', /lowercase letters/],
    ['inferenceSetName', '-phi', /lowercase letters/],
    ['inferenceSetName', 'phi_4', /lowercase letters/],
    ['inferenceSetName', 'a'.repeat(254), /at most 253 characters/],
    ['inferenceSetNamespace', 'a.b', /lowercase letters, digits and "-"/],
    ['inferenceSetNamespace', 'n'.repeat(64), /at most 63/],
    ['inferenceSetNamespace', '', /namespace of the InferenceSet/],
    ['metricName', '', /Prometheus metric family name/],
    ['metricName', '1metric', /Prometheus metric family name/],
    ['metricName', 'vllm-num', /Prometheus metric family name/],
    ['metricName', 'vllm:num_requests_waiting{engine="0"}', /Prometheus metric family name/],
    ['metricName', ' vllm:num_requests_waiting', /Prometheus metric family name/],
    ['metricName', 'm'.repeat(201), /Prometheus metric family name/],
    ['threshold', '0', /a decimal number of at least 0.001/],
    ['threshold', '0.0', /at least 0.001/],
    ['threshold', '-1', /at least 0.001/],
    ['threshold', '', /at least 0.001/],
    ['threshold', 'ten', /at least 0.001/],
    // KEDA writes the HPA target with three decimals: these would become a target of 0.
    ['threshold', '0.0009', /three decimals: a smaller one would become 0/],
    ['threshold', '0.0004', /at least 0.001/],
    ['threshold', '.000999', /at least 0.001/],
    ['threshold', '1e3', /decimal number/],
    ['threshold', '10 ', /decimal number/],
    ['threshold', 'NaN', /decimal number/],
    ['threshold', 'Infinity', /decimal number/],
    ['threshold', '1.', /decimal number/],
    ['threshold', '1'.repeat(25), /decimal number/],
    ['metricProtocol', 'ftp', /"http" or "https"/],
    ['metricProtocol', 'HTTP', /"http" or "https"/],
    ['metricProtocol', '', /"http" or "https"/],
    ['metricPort', '0', /from 1 to 65535/],
    ['metricPort', '65536', /from 1 to 65535/],
    ['metricPort', '080', /from 1 to 65535/],
    ['metricPort', '-1', /from 1 to 65535/],
    ['metricPort', '80.5', /from 1 to 65535/],
    ['metricPort', 'http', /from 1 to 65535/],
    ['metricPort', '', /from 1 to 65535/],
    ['metricPath', 'metrics', /starts with "\/"/],
    ['metricPath', '', /starts with "\/"/],
    ['metricPath', '/met rics', /without spaces/],
    ['metricPath', '/metrics#frag', /or "#"/],
    ['metricPath', '/métrics', /printable ASCII/],
    ['metricPath', `/${'a'.repeat(1024)}`, /absolute path/],
    ['scrapeTimeout', '3', /a duration such as "3s"/],
    ['scrapeTimeout', '0s', /from 1ms to 60s/],
    ['scrapeTimeout', '0.5ms', /from 1ms to 60s/],
    ['scrapeTimeout', '61s', /from 1ms to 60s/],
    ['scrapeTimeout', '2m', /from 1ms to 60s/],
    ['scrapeTimeout', '1h', /units ms, s, m/],
    ['scrapeTimeout', '-1s', /a duration/],
    ['scrapeTimeout', '3 s', /a duration/],
    ['scrapeTimeout', '', /a duration/],
    ['aggregation', 'average', /"sum"/],
    ['aggregation', 'SUM', /"sum"/],
  ];
  it.each(bad)('%s = %j', (key, value, rule) => {
    const result = parseTriggerMetadata({ ...required, [key]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.reason).toBe('InvalidMetadata');
    expect(result.problem.message).toMatch(new RegExp(`^metadata "${key}" is `));
    expect(result.problem.message).toMatch(rule);
    expect(result.problem.message.length).toBeLessThan(400);
  });

  it('quotes a bad value', () => {
    expect(parseTriggerMetadata({ ...required, metricPort: 'http' })).toEqual({
      ok: false,
      problem: {
        reason: 'InvalidMetadata',
        message: 'metadata "metricPort" is "http": port of the Workspace Service to scrape, an integer from 1 to 65535',
      },
    });
  });
});

describe('parseDuration', () => {
  const cases: Array<[string, number | undefined]> = [
    ['3s', 3000],
    ['250ms', 250],
    ['0.25s', 250],
    ['2m', 120_000],
    ['1m1s1ms', 61_001],
    ['1.5ms', 1.5],
    ['3', undefined],
    ['s', undefined],
    ['1h', undefined],
    ['1.s', undefined],
    ['', undefined],
  ];
  it.each(cases)('%j -> %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('targetUrls', () => {
  const cases: Array<[string, Record<string, string>, Array<{ name: string; address?: string }>, string[]]> = [
    [
      'Workspace Services by default',
      {},
      [{ name: 'phi-4-0' }, { name: 'phi-4-1' }],
      ['http://phi-4-0.default.svc.cluster.local:80/metrics', 'http://phi-4-1.default.svc.cluster.local:80/metrics'],
    ],
    [
      'protocol, port and path from the metadata',
      { metricProtocol: 'https', metricPort: '8000', metricPath: '/v1/metrics?x=1' },
      [{ name: 'ws' }],
      ['https://ws.default.svc.cluster.local:8000/v1/metrics?x=1'],
    ],
    [
      'a static address replaces host and port',
      { metricPort: '8000' },
      [{ name: 'ws', address: '127.0.0.1:9001' }],
      ['http://127.0.0.1:9001/metrics'],
    ],
    ['an IPv6 static address', {}, [{ name: 'ws', address: '[::1]:9001' }], ['http://[::1]:9001/metrics']],
    ['no Workspaces', {}, [], []],
  ];
  it.each(cases)('%s', (_name, overrides, workspaces, urls) => {
    expect(targetUrls(triggerConfig(overrides), 'default', workspaces)).toEqual(urls);
  });

  it("uses the namespace it is given (the InferenceSet's)", () => {
    expect(targetUrls(triggerConfig(), 'team-a', [{ name: 'ws' }])).toEqual(['http://ws.team-a.svc.cluster.local:80/metrics']);
  });
});
