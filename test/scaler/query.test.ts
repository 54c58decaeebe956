import { parseOptions } from '../../lib/flags.js';
import { command, formatAnswers, parseMetadata, runQuery, type QueryAnswers } from '../../scaler/query.js';

describe('query: --metadata key=value', () => {
  const good: Array<[string[], Record<string, string>]> = [
    [[], {}],
    [['a=1', 'b=2'], { a: '1', b: '2' }],
    [['empty='], { empty: '' }],
    [['path=/metrics?x=1'], { path: '/metrics?x=1' }],
    [[' spaced =v'], { spaced: 'v' }],
  ];
  it.each(good)('%p -> %p', (entries, expected) => {
    expect(parseMetadata(entries)).toEqual({ ok: true, value: expected });
  });

  const bad: Array<[string[], RegExp]> = [
    [['novalue'], /--metadata "novalue" is not key=value/],
    [['=1'], /is not key=value/],
    [[' =1'], /is not key=value/],
    [['a=1', 'a=2'], /--metadata a is given twice/],
  ];
  it.each(bad)('%p is refused', (entries, message) => {
    const result = parseMetadata(entries);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toMatch(message);
  });
});

describe('query: options', () => {
  it('needs an address and a client folder', () => {
    const result = parseOptions(command, [], {});
    expect(result).toEqual({ ok: false, problem: { reason: 'InvalidOption', message: expect.stringMatching(/--address \(KKS_ADDRESS\) is required/) } });
    expect(parseOptions(command, ['--address', 'localhost:10450'], {})).toEqual({
      ok: false,
      problem: { reason: 'InvalidOption', message: expect.stringMatching(/--tls-dir \(KKS_TLS_DIR\) is required/) },
    });
  });

  it('takes repeated --metadata and defaults the rest', () => {
    const result = parseOptions(command, ['--address', 'localhost:10450', '--tls-dir', 'certs/client', '--metadata', 'a=1', '--metadata', 'b=2'], {});
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ metadata: ['a=1', 'b=2'], namespace: 'default', name: 'query', timeoutMs: 3000, output: 'text' }),
    });
  });

  it.each([
    ['address without a port', ['--address', 'localhost', '--tls-dir', 'd'], /--address \(KKS_ADDRESS\) is "localhost": the scaler's gRPC address as host:port/],
    ['address as a URL', ['--address', 'https://localhost:10450', '--tls-dir', 'd'], /--address/],
    ['zero timeout', ['--address', 'h:1', '--tls-dir', 'd', '--timeout-ms', '0'], /--timeout-ms/],
    ['unknown output', ['--address', 'h:1', '--tls-dir', 'd', '--output', 'yaml'], /--output/],
  ])('%s is refused', (_name, argv, message) => {
    const result = parseOptions(command, argv, {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toMatch(message);
  });
});

describe('query: printing', () => {
  const answers: QueryAnswers = {
    getMetricSpec: { ok: true, response: { metricSpecs: [{ metricName: 'kaito-default-phi-4-m', targetSize: 10, targetSizeFloat: 10 }] } },
    getMetrics: { ok: false, code: 'UNAVAILABLE', message: 'no replica answered' },
    isActive: { ok: true, response: { result: true } },
  };

  it('one line per answer, or the code and message of a failure', () => {
    expect(formatAnswers(answers)).toBe(
      [
        'GetMetricSpec  metricName=kaito-default-phi-4-m targetSize=10 targetSizeFloat=10',
        'GetMetrics     UNAVAILABLE: no replica answered',
        'IsActive       result=true',
      ].join('\n'),
    );
  });

  it('says so when a list is empty', () => {
    const empty: QueryAnswers = { ...answers, getMetricSpec: { ok: true, response: { metricSpecs: [] } }, getMetrics: { ok: true, response: { metricValues: [] } } };
    expect(formatAnswers(empty)).toContain('GetMetricSpec  (no metric specs)');
    expect(formatAnswers(empty)).toContain('GetMetrics     (no metric values)');
  });
});

describe('query: without a usable client folder', () => {
  it('exits 1 naming the folder', async () => {
    const err: string[] = [];
    const code = await runQuery(
      { address: 'localhost:1', tlsDir: '/nonexistent/client', namespace: 'default', name: 'q', metadata: [], timeoutMs: 1000, output: 'text', logLevel: 'info', logFormat: 'json' },
      { out: () => undefined, err: (text) => err.push(text) },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/cannot read the client certificate from --tls-dir \/nonexistent\/client/);
  });

  it('exits 2 on duplicate metadata before connecting', async () => {
    const err: string[] = [];
    const code = await runQuery(
      { address: 'localhost:1', tlsDir: '/nonexistent', namespace: 'default', name: 'q', metadata: ['a=1', 'a=1'], timeoutMs: 1000, output: 'text', logLevel: 'info', logFormat: 'json' },
      { out: () => undefined, err: (text) => err.push(text) },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/given twice/);
  });
});
