import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { parseListPage } from '../../../scaler/discovery/informer.js';
import {
  describeApiError,
  kubeConfigSource,
  loadKubeConfig,
  SERVICE_ACCOUNT_TOKEN,
  statusOf,
  type KubeConfigEnvironment,
} from '../../../scaler/discovery/kube-client.js';
import { retryDelay, sleep } from '../../../scaler/discovery/retry.js';

const environment = (env: Record<string, string>, files: string[] = []): KubeConfigEnvironment => ({
  env,
  fileExists: (path) => files.includes(path),
  home: '/home/op',
});

describe('kubeConfigSource: --kubeconfig, else in-cluster, else $KUBECONFIG or ~/.kube/config', () => {
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.0.0.1' };
  it.each<[string, string | undefined, KubeConfigEnvironment, ReturnType<typeof kubeConfigSource>]>([
    [
      'a path wins over everything',
      '/etc/kube/config',
      environment({ ...inCluster, KUBECONFIG: '/x' }, [SERVICE_ACCOUNT_TOKEN]),
      { kind: 'file', path: '/etc/kube/config' },
    ],
    ['in a Pod', undefined, environment(inCluster, [SERVICE_ACCOUNT_TOKEN]), { kind: 'in-cluster' }],
    [
      'in a Pod, even with $KUBECONFIG',
      undefined,
      environment({ ...inCluster, KUBECONFIG: '/x' }, [SERVICE_ACCOUNT_TOKEN]),
      { kind: 'in-cluster' },
    ],
    ['service host but no token (not a Pod)', undefined, environment({ ...inCluster, KUBECONFIG: '/x' }), { kind: 'default' }],
    ['$KUBECONFIG', undefined, environment({ KUBECONFIG: '/x' }), { kind: 'default' }],
    ['~/.kube/config', undefined, environment({}, ['/home/op/.kube/config']), { kind: 'default' }],
    ['an empty path is no path', '', environment({ KUBECONFIG: '/x' }), { kind: 'default' }],
    ['nothing at all', undefined, environment({}), undefined],
  ])('%s', (_, path, env, expected) => {
    expect(kubeConfigSource(path, env)).toEqual(expected);
  });
});

describe('loadKubeConfig errors', () => {
  const directory = mkdtempSync(join(tmpdir(), 'kube-client-test-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };

  it.each<[string, () => string | undefined, KubeConfigEnvironment, RegExp]>([
    ['no credentials anywhere', () => undefined, environment({}), /^no Kubernetes credentials: .*--kubeconfig.*--targets/],
    ['a missing file', () => join(directory, 'absent'), environment({}), /^cannot load the kubeconfig \(.*absent\): ENOENT/],
    ['a file that is not YAML', () => file('bad', 'clusters: [unclosed'), environment({}), /^cannot load the kubeconfig \(.*bad\): /],
    [
      'a kubeconfig without a current context',
      () => file('empty', 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n'),
      environment({}),
      /^the kubeconfig \(.*empty\) names no current cluster$/,
    ],
  ])('%s', (_, path, env, message) => {
    expect(() => loadKubeConfig(path(), env)).toThrow(message);
  });

  it('loads a kubeconfig file', () => {
    const path = file(
      'good',
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]\n' +
        'contexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: x\n',
    );
    expect(loadKubeConfig(path, environment({})).getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
  });
});

describe('statusOf', () => {
  const watchError = Object.assign(new Error('Gone'), { statusCode: 410 });
  it.each<[string, unknown, number | undefined]>([
    ['an ApiException', new ApiException(404, 'not found', '{}', {}), 404],
    ['a watch error', watchError, 410],
    ['a network error with a string code', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), undefined],
    ['a Status object (watch ERROR event)', { kind: 'Status', code: 410 }, 410],
    ['null', null, undefined],
    ['a string', 'boom', undefined],
  ])('%s -> %s', (_, error, expected) => {
    expect(statusOf(error)).toBe(expected);
  });
});

describe('describeApiError', () => {
  const context = {
    action: 'get CRD workspaces.kaito.sh',
    server: 'https://10.0.0.1',
    permission: 'get on customresourcedefinitions.apiextensions.k8s.io',
  };
  const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
  const refused = Object.assign(new Error('request to https://10.0.0.1/apis failed, reason: connect ECONNREFUSED 10.0.0.1:443'), {
    code: 'ECONNREFUSED',
  });
  it.each<[string, unknown, string, string]>([
    [
      '401',
      new ApiException(401, 'x', '', {}),
      'Unauthorized',
      'get CRD workspaces.kaito.sh: the API server refused the credentials (401): check the kubeconfig or the ServiceAccount token',
    ],
    [
      '403',
      new ApiException(403, 'x', '', {}),
      'Forbidden',
      "get CRD workspaces.kaito.sh: forbidden (403): the scaler's ServiceAccount needs get on customresourcedefinitions.apiextensions.k8s.io",
    ],
    [
      '503 with a Status body',
      new ApiException(503, 'x', '{"kind":"Status","message":"etcd is down"}', {}),
      'ApiError',
      'get CRD workspaces.kaito.sh: the API server answered 503 (etcd is down)',
    ],
    [
      '500 with a parsed body',
      new ApiException(500, 'x', { message: 'oops' }, {}),
      'ApiError',
      'get CRD workspaces.kaito.sh: the API server answered 500 (oops)',
    ],
    [
      '500 with a body that is not JSON',
      new ApiException(500, 'x', '<html>', {}),
      'ApiError',
      'get CRD workspaces.kaito.sh: the API server answered 500',
    ],
    [
      'a watch error',
      Object.assign(new Error('Service Unavailable'), { statusCode: 503 }),
      'ApiError',
      'get CRD workspaces.kaito.sh: the API server answered 503',
    ],
    ['an abort', abort, 'ApiUnreachable', 'get CRD workspaces.kaito.sh: no answer from the API server https://10.0.0.1 in time'],
    ['a timeout', timeout, 'ApiUnreachable', 'get CRD workspaces.kaito.sh: no answer from the API server https://10.0.0.1 in time'],
    [
      'a refused connection',
      refused,
      'ApiUnreachable',
      `get CRD workspaces.kaito.sh: cannot reach the API server https://10.0.0.1: ${refused.message}`,
    ],
    [
      'a TLS failure',
      Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
      'ApiUnreachable',
      'get CRD workspaces.kaito.sh: cannot reach the API server https://10.0.0.1: certificate has expired',
    ],
    [
      'an answer that is not JSON',
      new SyntaxError('Unexpected token < in JSON'),
      'ApiError',
      'get CRD workspaces.kaito.sh: unexpected answer from the API server: Unexpected token < in JSON',
    ],
    [
      'something thrown that is not an Error',
      'boom',
      'ApiError',
      'get CRD workspaces.kaito.sh: unexpected answer from the API server: boom',
    ],
  ])('%s -> %s', (_, error, reason, message) => {
    expect(describeApiError(error, context)).toEqual({ reason, message });
  });

  it('clips long messages', () => {
    const problem = describeApiError(new Error('x'.repeat(1000)), context);
    expect(problem.message.length).toBeLessThan(300);
    expect(problem.message.endsWith('...')).toBe(true);
  });
});

describe('retryDelay', () => {
  const policy = { initialMs: 1000, maxMs: 10_000 };
  it.each<[number, number, number]>([
    [0, 0.5, 1000],
    [1, 0.5, 2000],
    [2, 0.5, 4000],
    [3, 0.5, 8000],
    [4, 0.5, 10_000],
    [50, 0.5, 10_000],
    [-1, 0.5, 1000],
    [0, 0, 800],
    [0, 0.999999, 1200],
    [4, 0, 8000],
  ])('attempt %d, random %d -> %d ms', (attempt, random, expected) => {
    expect(retryDelay(attempt, policy, random)).toBe(expected);
  });
});

describe('parseListPage', () => {
  it.each<[string, unknown, ReturnType<typeof parseListPage>]>([
    [
      'a page',
      { metadata: { resourceVersion: '9', continue: 'c1' }, items: [{ a: 1 }] },
      { ok: true, value: { items: [{ a: 1 }], resourceVersion: '9', continueToken: 'c1' } },
    ],
    [
      'the last page',
      { metadata: { resourceVersion: '9', continue: '' }, items: [] },
      { ok: true, value: { items: [], resourceVersion: '9', continueToken: undefined } },
    ],
    [
      'items null (an empty list)',
      { metadata: { resourceVersion: '9' }, items: null },
      { ok: true, value: { items: [], resourceVersion: '9', continueToken: undefined } },
    ],
    ['no metadata', { items: [] }, { ok: true, value: { items: [], resourceVersion: '', continueToken: undefined } }],
    ['not an object', 'oops', { ok: false, problem: { reason: 'MalformedList', message: 'the list answer is not an object' } }],
    ['null', null, { ok: false, problem: { reason: 'MalformedList', message: 'the list answer is not an object' } }],
    ['an array', [], { ok: false, problem: { reason: 'MalformedList', message: 'the list answer is not an object' } }],
    [
      'items not a list',
      { items: { a: 1 } },
      { ok: false, problem: { reason: 'MalformedList', message: 'the list answer has no items array' } },
    ],
  ])('%s', (_, page, expected) => {
    expect(parseListPage(page)).toEqual(expected);
  });
});

describe('sleep', () => {
  it('ends at once when its signal aborts', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const sleeping = sleep(60_000, stop.signal);
    stop.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(60_000, stop.signal);
  });
});
