import { parseOptions } from '../../schemas/flags.js';
import { command, connectionHint, formatAnswers, parseMetadata, runQuery } from '../../commands/query.js';
import type { Answer, QueryAnswers } from '../../scaler/client.js';

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
    expect(result).toEqual({
      ok: false,
      problem: { reason: 'InvalidOption', message: expect.stringMatching(/--address \(KKS_ADDRESS\) is required/) },
    });
    expect(parseOptions(command, ['--address', 'localhost:10450'], {})).toEqual({
      ok: false,
      problem: { reason: 'InvalidOption', message: expect.stringMatching(/--tls-dir \(KKS_TLS_DIR\) is required/) },
    });
  });

  it('takes repeated --metadata and defaults the rest', () => {
    const result = parseOptions(
      command,
      ['--address', 'localhost:10450', '--tls-dir', 'certs/client', '--metadata', 'a=1', '--metadata', 'b=2'],
      {},
    );
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ metadata: ['a=1', 'b=2'], namespace: 'default', name: 'query', timeoutMs: 3000, output: 'text' }),
    });
  });

  it.each([
    [
      'address without a port',
      ['--address', 'localhost', '--tls-dir', 'd'],
      /--address \(KKS_ADDRESS\) is "localhost": the scaler's gRPC address as host:port/,
    ],
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
    getMetricSpec: { ok: true, value: { metricSpecs: [{ metricName: 'kaito-default-phi-4-m', targetSize: 10, targetSizeFloat: 10 }] } },
    getMetrics: { ok: false, problem: { reason: 'UNAVAILABLE', message: 'no replica answered' } },
    isActive: { ok: true, value: { result: true } },
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
    const empty: QueryAnswers = {
      ...answers,
      getMetricSpec: { ok: true, value: { metricSpecs: [] } },
      getMetrics: { ok: true, value: { metricValues: [] } },
    };
    expect(formatAnswers(empty)).toContain('GetMetricSpec  (no metric specs)');
    expect(formatAnswers(empty)).toContain('GetMetrics     (no metric values)');
  });
});

describe('query: without a usable client folder', () => {
  it('exits 1 naming the folder', async () => {
    const err: string[] = [];
    const code = await runQuery(
      {
        address: 'localhost:1',
        tlsDir: '/nonexistent/client',
        namespace: 'default',
        name: 'q',
        metadata: [],
        timeoutMs: 1000,
        output: 'text',
        logLevel: 'info',
        logFormat: 'json',
      },
      { out: () => undefined, err: (text) => err.push(text) },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/cannot read the client certificate from --tls-dir \/nonexistent\/client/);
  });

  it('exits 2 on duplicate metadata before connecting', async () => {
    const err: string[] = [];
    const code = await runQuery(
      {
        address: 'localhost:1',
        tlsDir: '/nonexistent',
        namespace: 'default',
        name: 'q',
        metadata: ['a=1', 'a=1'],
        timeoutMs: 1000,
        output: 'text',
        logLevel: 'info',
        logFormat: 'json',
      },
      { out: () => undefined, err: (text) => err.push(text) },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/given twice/);
  });
});

describe('query: a hint when the scaler cannot be reached', () => {
  const context = { address: 'localhost:10450', tlsDir: 'certs/client' };
  const failing = (code: string, message: string): QueryAnswers => {
    const failed: Answer<never> = { ok: false, problem: { reason: code, message } };
    return { getMetricSpec: failed, getMetrics: failed, isActive: failed };
  };
  it.each<[string, QueryAnswers, RegExp | undefined]>([
    [
      'nothing listens',
      failing('UNAVAILABLE', 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:10450.'),
      /^hint: nothing answered at localhost:10450: is the scaler running/,
    ],
    [
      'no such host',
      failing('UNAVAILABLE', 'Name resolution failed for target dns:nope:1: getaddrinfo ENOTFOUND nope'),
      /^hint: nothing answered at localhost:10450/,
    ],
    ['a deadline', failing('DEADLINE_EXCEEDED', 'Deadline exceeded after 3.001s'), /^hint: nothing answered/],
    [
      'a foreign CA',
      failing('UNAVAILABLE', 'No connection established. Last error: Error: self-signed certificate in certificate chain.'),
      /^hint: the server certificate is not signed by a CA in certs\/client\/ca\.crt: is --tls-dir certs\/client the client set/,
    ],
    [
      'a name the certificate lacks',
      failing(
        'UNAVAILABLE',
        "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:a",
      ),
      /^hint: the server certificate does not name localhost: pass --server-name/,
    ],
    [
      'the scaler refusing the client',
      failing('UNAVAILABLE', 'No connection established. Last error: Failed to connect (2026-12-08T03:41:31.816Z).'),
      /^hint: the scaler closed the connection during the TLS handshake: is --tls-dir certs\/client the client set/,
    ],
    ['an answer from the scaler', failing('NOT_FOUND', 'InferenceSet default/a does not exist'), undefined],
  ])('%s', (_name, answers, hint) => {
    const text = connectionHint(answers, context);
    if (hint === undefined) expect(text).toBeUndefined();
    else expect(text).toMatch(hint);
  });

  it('names the --server-name given rather than the address host', () => {
    const answers = failing('UNAVAILABLE', "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames");
    expect(connectionHint(answers, { ...context, serverName: 'svc.example' })).toMatch(/does not name svc\.example/);
  });
});
