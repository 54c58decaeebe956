import { execFileSync } from 'node:child_process';
import { formatPoll, shellQuote, tryCommands, type Poll } from '../../dev/display.js';

const poll = (change: Partial<Poll>): Poll => ({
  elapsedSeconds: 12,
  phase: 'steady',
  replicas: [
    { label: ':9001', reading: { value: 3 } },
    { label: ':9002', reading: { value: 4 } },
    { label: ':9003', reading: { missing: 'Unreachable' } },
  ],
  value: { ok: true, value: 17 },
  active: { ok: true, value: true },
  threshold: 10,
  bounds: { min: 1, max: 4 },
  ...change,
});

describe('formatPoll: the replicas, the answer and what the HPA would do', () => {
  it.each<[string, Partial<Poll>, string]>([
    ['within bounds', {}, 't=12s  steady  :9001=3 :9002=4 :9003=Unreachable  value=17 threshold=10 active=true  HPA wants 2 = ceil(17/10)'],
    [
      'above max',
      { phase: 'burst', value: { ok: true, value: 75 } },
      't=12s  burst   :9001=3 :9002=4 :9003=Unreachable  value=75 threshold=10 active=true  HPA wants 4: ceil(75/10) = 8, capped at max 4',
    ],
    [
      'below min',
      {
        phase: 'idle',
        replicas: [{ label: ':9001', reading: { value: 0 } }],
        value: { ok: true, value: 0 },
        active: { ok: true, value: false },
        bounds: { min: 2, max: 4 },
      },
      't=12s  idle    :9001=0  value=0 threshold=10 active=false  HPA wants 2: ceil(0/10) = 0, raised to min 2',
    ],
    [
      'scale to zero',
      { value: { ok: true, value: 0 }, active: { ok: true, value: false }, bounds: { min: 0, max: 4 } },
      't=12s  steady  :9001=3 :9002=4 :9003=Unreachable  value=0 threshold=10 active=false  KEDA scales to 0: inactive, min 0',
    ],
    [
      'fractions as the scaler answered them, without float noise',
      { value: { ok: true, value: 0.1 + 0.2 }, threshold: 2.5 },
      't=12s  steady  :9001=3 :9002=4 :9003=Unreachable  value=0.3 threshold=2.5 active=true  HPA wants 1 = ceil(0.3/2.5)',
    ],
    [
      'GetMetrics failed',
      {
        replicas: undefined,
        value: { ok: false, problem: { reason: 'UNAVAILABLE', message: 'no replica gave a sample' } },
        active: { ok: false, problem: { reason: 'UNAVAILABLE', message: 'x' } },
      },
      't=12s  steady  (no measurement)  value=UNAVAILABLE threshold=10 active=UNAVAILABLE  HPA keeps its replica count (no replica gave a sample)',
    ],
    [
      'IsActive failed: KEDA counts the trigger active',
      {
        value: { ok: true, value: 0 },
        active: { ok: false, problem: { reason: 'DEADLINE_EXCEEDED', message: 'x' } },
        bounds: { min: 0, max: 4 },
      },
      't=12s  steady  :9001=3 :9002=4 :9003=Unreachable  value=0 threshold=10 active=DEADLINE_EXCEEDED  HPA wants 1: ceil(0/10) = 0, raised to min 1',
    ],
    [
      'long runs keep the columns',
      { elapsedSeconds: 1234 },
      't=1234s steady  :9001=3 :9002=4 :9003=Unreachable  value=17 threshold=10 active=true  HPA wants 2 = ceil(17/10)',
    ],
  ])('%s', (_case, change, expected) => {
    expect(formatPoll(poll(change))).toBe(expected);
  });
});

describe('shellQuote: sh reads the word back unchanged', () => {
  it.each([
    ['threshold=10', 'threshold=10'],
    ['metricName=vllm:num_requests_waiting', 'metricName=vllm:num_requests_waiting'],
    ['@examples/sync-decorator.json', '@examples/sync-decorator.json'],
    ['my dir/tls', "'my dir/tls'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['a;rm -rf x', "'a;rm -rf x'"],
    ['', "''"],
  ])('%p -> %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
    expect(execFileSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' })).toBe(word);
  });
});

describe('tryCommands', () => {
  it('curls the sync hook with the example request and queries the scaler with the trigger, as typed by hand', () => {
    const commands = tryCommands({
      hooksPort: 8080,
      grpcPort: 10450,
      syncRequest: 'examples/sync-decorator.json',
      cli: 'dist/cli.js',
      clientTlsDir: '.dev/tls/client',
      namespace: 'default',
      metadata: {
        scalerAddress: '127.0.0.1:10450',
        inferenceSetName: 'phi-4-mini',
        inferenceSetNamespace: 'default',
        metricName: 'vllm:num_requests_waiting',
        threshold: '10',
      },
    });
    expect(commands).toEqual({
      curl: "curl -s localhost:8080/sync -H 'content-type: application/json' -d @examples/sync-decorator.json",
      query:
        'node dist/cli.js query --address 127.0.0.1:10450 --server-name localhost --tls-dir .dev/tls/client --namespace default ' +
        '--metadata inferenceSetName=phi-4-mini --metadata inferenceSetNamespace=default ' +
        '--metadata metricName=vllm:num_requests_waiting --metadata threshold=10',
    });
  });

  it('quotes paths and values that the shell would split', () => {
    const { curl, query } = tryCommands({
      hooksPort: 18080,
      grpcPort: 20450,
      syncRequest: '../my repo/examples/sync-decorator.json',
      cli: '../my repo/dist/cli.js',
      clientTlsDir: '/tmp/dev stack/tls/client',
      namespace: 'team-a',
      metadata: { inferenceSetName: 'x', scrapeTimeout: '2 s' },
    });
    expect(curl).toBe("curl -s localhost:18080/sync -H 'content-type: application/json' -d '@../my repo/examples/sync-decorator.json'");
    expect(query).toBe(
      "node '../my repo/dist/cli.js' query --address 127.0.0.1:20450 --server-name localhost --tls-dir '/tmp/dev stack/tls/client' --namespace team-a " +
        "--metadata inferenceSetName=x --metadata 'scrapeTimeout=2 s'",
    );
  });
});
