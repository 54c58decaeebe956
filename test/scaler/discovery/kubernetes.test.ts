import { jest } from '@jest/globals';
import type { Registry } from 'prom-client';
import { INFERENCESET_CRD, SCALEDOBJECT_CRD, STANDARD_CRDS, WORKSPACE_CRD } from '../../../bench/support/fake-api-server.js';
import { FAST, inferenceSet, IS, Setup, targets, workspace, WS } from './harness.js';

// Generous: the machine running the suite may be busy; waits inside tests are bounded by `until`.
jest.setTimeout(30_000);

const setup = new Setup();
afterEach(() => setup.stop());

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const found = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const values = (found?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))?.value;
}

/** What the harness's InferenceSets say: spec.replicas 2, status.readyReplicas 2. */
const READY = { desired: 2, ready: 2 };

describe('the initial list', () => {
  it('caches every InferenceSet and Workspace across namespaces and list pages', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4', 'team-a, team-b'));
      fake.apply(IS, inferenceSet('default', 'idle'));
      fake.apply(IS, inferenceSet('team-a', 'phi-4', '*'));
      for (const name of ['phi-4-0', 'phi-4-1', 'phi-4-2']) fake.apply(WS, workspace('default', name, 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-3', 'phi-4', true));
      fake.apply(WS, workspace('default', 'standalone'));
      fake.apply(WS, workspace('team-a', 'phi-4-0', 'phi-4'));
      fake.apply(WS, workspace('team-a', 'orphan-0', 'gone'));
    });
    expect(discovery.ready()).toBe(false);
    await fake.until(() => discovery.ready());

    expect(discovery.lookup('default', 'phi-4')).toEqual({
      namespace: 'default',
      name: 'phi-4',
      allowedNamespaces: ['team-a', 'team-b'],
      workspaces: [{ name: 'phi-4-0' }, { name: 'phi-4-1' }, { name: 'phi-4-2' }],
      replicas: { desired: 2, ready: 2 },
    });
    expect(discovery.lookup('team-a', 'phi-4')).toEqual({
      namespace: 'team-a',
      name: 'phi-4',
      allowedNamespaces: ['*'],
      workspaces: [{ name: 'phi-4-0' }],
      replicas: READY,
    });
    expect(discovery.lookup('default', 'idle')).toEqual({
      namespace: 'default',
      name: 'idle',
      allowedNamespaces: [],
      workspaces: [],
      replicas: READY,
    });
    expect(discovery.lookup('default', 'unknown')).toBeUndefined();
    expect(discovery.lookup('team-a', 'gone')).toBeUndefined();
    expect(discovery.lookup('team-b', 'phi-4')).toBeUndefined();
    expect(discovery.notReadyReason()).toBeUndefined();

    const pages = fake.requests.filter((request) => request.verb === 'list' && request.resource === WS);
    expect(pages.map((page) => page.query['limit'])).toEqual(['3', '3', '3']);
    expect(pages.filter((page) => page.query['continue'] !== undefined)).toHaveLength(2);
  });

  it('is not ready, and looks nothing up, until both lists are in', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
      fake.inject({ verb: 'list', resource: WS, delayMs: 400, times: 1 });
    });
    await fake.until(() => discovery.notReadyReason() === 'listing workspaces.kaito.sh/v1beta1');
    expect(discovery.ready()).toBe(false);
    expect(discovery.lookup('default', 'phi-4')).toBeUndefined();
    await fake.until(() => discovery.ready());
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-0']);
  });
});

describe('watch events flow into lookups', () => {
  it('adds, modifies and deletes Workspaces and InferenceSets', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    await fake.until(() => discovery.ready());
    expect(targets(discovery, 'default', 'phi-4')).toEqual([]);

    fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4'));
    await fake.until(() => targets(discovery, 'default', 'phi-4')?.length === 2);

    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4', true));
    await fake.until(() => targets(discovery, 'default', 'phi-4')?.length === 1);
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-0']);

    fake.remove(WS, 'default', 'phi-4-1');
    fake.apply(WS, workspace('default', 'phi-4-0', 'other'));
    await fake.until(() => targets(discovery, 'default', 'phi-4')?.length === 0);

    fake.apply(IS, inferenceSet('default', 'phi-4', 'team-a'));
    await fake.until(() => discovery.lookup('default', 'phi-4')?.allowedNamespaces.length === 1);
    expect(discovery.lookup('default', 'phi-4')?.allowedNamespaces).toEqual(['team-a']);

    fake.apply(IS, inferenceSet('default', 'other', '*'));
    await fake.until(() => discovery.lookup('default', 'other') !== undefined);
    expect(discovery.lookup('default', 'other')).toEqual({
      namespace: 'default',
      name: 'other',
      allowedNamespaces: ['*'],
      workspaces: [{ name: 'phi-4-0' }],
      replicas: READY,
    });

    fake.remove(IS, 'default', 'phi-4');
    await fake.until(() => discovery.lookup('default', 'phi-4') === undefined);
    expect(discovery.ready()).toBe(true);
  });

  it('ignores malformed objects in lists and watch events and keeps serving the rest', async () => {
    const { fake, discovery, logs } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
      const bad = workspace('default', 'phi-4-bad', 'phi-4');
      fake.apply(WS, { ...bad, metadata: { ...bad.metadata, labels: { [`inferenceset.kaito.sh/created-by`]: 7 as unknown as string } } });
    });
    await fake.until(() => discovery.ready());
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-0']);
    expect(logs.messages()).toContain('ignored 1 malformed Workspace object(s) in the list');

    const bad = workspace('default', 'phi-4-worse', 'phi-4');
    fake.apply(WS, { ...bad, metadata: { ...bad.metadata, annotations: ['not', 'a', 'map'] as unknown as Record<string, string> } });
    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4'));
    await fake.until(() => targets(discovery, 'default', 'phi-4')?.length === 2);
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-0', 'phi-4-1']);
    const warning = logs.lines.find((line) => line['msg'] === 'ignored a malformed Workspace watch event');
    expect(warning?.['problem']).toBe('field "metadata.annotations" is ["not","a","map"]: a map of strings to strings');
  });

  it('skips watch lines that are not events, and error events, and keeps the stream', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    await fake.until(() => discovery.ready() && fake.openWatches(WS) === 1);
    fake.sendRaw(WS, 'this is not json');
    fake.sendRaw(WS, '{"type":"ADDED"}');
    fake.sendRaw(WS, '{"type":"SOMETHING-NEW","object":{"metadata":{"resourceVersion":"1"}}}');
    fake.sendRaw(WS, '{"type":"ADDED","object":null}');
    fake.sendRaw(WS, '{"type":"ERROR","object":{"kind":"Status","status":"Failure","code":500,"message":"internal error"}}');
    fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    await fake.until(() => targets(discovery, 'default', 'phi-4')?.length === 1);
    expect(fake.openWatches(WS)).toBe(1);
    expect(fake.requests.filter((request) => request.verb === 'watch' && request.resource === WS)).toHaveLength(1);
  });
});

describe('watches that end', () => {
  it('resume from the last resourceVersion after a drop, without losing events or relisting', async () => {
    const { fake, discovery, registry } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4'));
    });
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    const lists = fake.requests.filter((request) => request.verb === 'list').length;
    const seen = fake.resourceVersion();

    fake.closeWatches();
    // Changes while no watch is open: the resumed watches must replay them.
    fake.remove(WS, 'default', 'phi-4-0');
    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4', true));
    fake.apply(WS, workspace('default', 'phi-4-2', 'phi-4'));
    fake.apply(IS, inferenceSet('default', 'phi-4', 'team-a'));
    fake.apply(IS, inferenceSet('default', 'added-while-away'));

    await fake.until(
      () => targets(discovery, 'default', 'phi-4')?.join() === 'phi-4-2' && discovery.lookup('default', 'added-while-away') !== undefined,
    );
    expect(discovery.lookup('default', 'phi-4')?.allowedNamespaces).toEqual(['team-a']);
    expect(fake.requests.filter((request) => request.verb === 'list')).toHaveLength(lists);
    const resumed = fake.requests.filter((request) => request.verb === 'watch').slice(-2);
    expect(resumed.map((request) => request.query['resourceVersion'])).toEqual([seen, seen]);
    expect(await metric(registry, 'kks_discovery_watch_restarts_total', { resource: WS, reason: 'closed' })).toBe(1);
  });

  it.each<['event' | 'status']>([['event'], ['status']])('relist and converge after 410 Gone (as an %s)', async (gone) => {
    const { fake, discovery, registry } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      for (const name of ['phi-4-0', 'phi-4-1', 'phi-4-2', 'phi-4-3']) fake.apply(WS, workspace('default', name, 'phi-4'));
    });
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    const lists = fake.requests.filter((request) => request.verb === 'list' && request.resource === WS).length;

    if (gone === 'event') fake.compact();
    else fake.inject({ verb: 'watch', resource: WS, gone: 'status', times: 1 });
    fake.closeWatches();
    fake.remove(WS, 'default', 'phi-4-0');
    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4', true));
    fake.apply(WS, workspace('default', 'phi-4-9', 'phi-4'));
    if (gone === 'event') fake.compact();

    await fake.until(() => targets(discovery, 'default', 'phi-4')?.join() === 'phi-4-2,phi-4-3,phi-4-9');
    expect(fake.requests.filter((request) => request.verb === 'list' && request.resource === WS).length).toBeGreaterThan(lists);
    expect(await metric(registry, 'kks_discovery_watch_restarts_total', { resource: WS, reason: 'expired' })).toBe(1);
    expect(discovery.ready()).toBe(true);
    // Watching again after the relist, from the new list's resourceVersion.
    await fake.until(() => fake.openWatches(WS) === 1);
    expect(fake.requests.filter((request) => request.verb === 'watch' && request.resource === WS).at(-1)?.query['resourceVersion']).toBe(
      fake.resourceVersion(),
    );
  });

  it('resume from the resourceVersion of the last bookmark', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    expect(
      fake.requests.filter((request) => request.verb === 'watch').every((request) => request.query['allowWatchBookmarks'] === 'true'),
    ).toBe(true);
    fake.apply(IS, inferenceSet('default', 'other'));
    await fake.until(() => discovery.lookup('default', 'other') !== undefined);
    fake.bookmark();
    const bookmarked = fake.resourceVersion();
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.closeWatches();
    await fake.until(() => fake.openWatches() === 2);
    const resumed = fake.requests.filter((request) => request.verb === 'watch' && request.resource === WS).at(-1);
    expect(resumed?.query['resourceVersion']).toBe(bookmarked);
  });

  it('ask for a server-side timeout and resume when the server ends them', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')), {
      ...FAST,
      watchTimeoutSeconds: 1,
    });
    await fake.until(() => discovery.ready());
    await fake.until(() => fake.requests.filter((request) => request.verb === 'watch' && request.resource === IS).length >= 2, 5000);
    const watches = fake.requests.filter((request) => request.verb === 'watch' && request.resource === IS);
    expect(watches.every((request) => request.query['timeoutSeconds'] === '1')).toBe(true);
    expect(fake.requests.filter((request) => request.verb === 'list' && request.resource === IS)).toHaveLength(1);
  });

  it('retry a failing watch with backoff, from the same resourceVersion', async () => {
    const { fake, discovery, logs } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.inject({ verb: 'watch', resource: IS, status: 500, times: 3 });
    });
    await fake.until(() => discovery.ready() && fake.openWatches(IS) === 1);
    const watches = fake.requests.filter((request) => request.verb === 'watch' && request.resource === IS);
    expect(watches.map((request) => request.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(watches.map((request) => request.query['resourceVersion'])).size).toBe(1);
    expect(fake.requests.filter((request) => request.verb === 'list' && request.resource === IS)).toHaveLength(1);
    const warnings = logs.lines.filter((line) => line['msg'] === 'watch inferencesets.kaito.sh/v1beta1: the API server answered 500');
    expect(warnings.map((line) => line['retryInMs'])).toEqual([20, 40, 80]);
    fake.apply(IS, inferenceSet('default', 'after-retries'));
    await fake.until(() => discovery.lookup('default', 'after-retries') !== undefined);
  });
});

describe('failing lists', () => {
  it('are retried with backoff while not ready, with the reason', async () => {
    const { fake, discovery, registry } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.inject({ verb: 'list', resource: WS, status: 503, times: 2 });
    });
    await fake.until(() => discovery.notReadyReason() === 'list workspaces.kaito.sh/v1beta1: the API server answered 503 (injected 503)');
    expect(discovery.ready()).toBe(false);
    await fake.until(() => discovery.ready());
    expect(await metric(registry, 'kks_discovery_lists_total', { resource: WS, result: 'error' })).toBe(2);
    expect(await metric(registry, 'kks_discovery_lists_total', { resource: WS, result: 'ok' })).toBe(1);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', 'this is not json', /^list workspaces\.kaito\.sh\/v1beta1: unexpected answer from the API server: /],
    [
      'items that are not a list',
      '{"metadata":{"resourceVersion":"5"},"items":{"a":1}}',
      /^list workspaces\.kaito\.sh\/v1beta1: unexpected answer from the API server: the list answer has no items array$/,
    ],
  ])('a malformed list answer (%s) is retried', async (_, body, reason) => {
    const { fake, discovery } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.inject({ verb: 'list', resource: WS, body, times: 1 });
    });
    await fake.until(() => reason.test(discovery.notReadyReason() ?? ''));
    await fake.until(() => discovery.ready());
    expect(discovery.lookup('default', 'phi-4')).toBeDefined();
  });

  it('a list that never answers is cut by the request timeout and retried', async () => {
    const { fake, discovery } = await setup.start(
      {},
      (fake) => {
        fake.apply(IS, inferenceSet('default', 'phi-4'));
        fake.inject({ verb: 'list', resource: IS, delayMs: 60_000, times: 1 });
      },
      { ...FAST, requestTimeoutMs: 300 },
    );
    await fake.until(() => /^list inferencesets\.kaito\.sh\/v1beta1: no answer from the API server/.test(discovery.notReadyReason() ?? ''));
    await fake.until(() => discovery.ready());
  });
});

describe('startup', () => {
  it('waits for the CRDs, saying which, logging each state once, then becomes ready', async () => {
    const { fake, discovery, logs } = await setup.start({ crds: [] });
    await fake.until(() => discovery.notReadyReason()?.startsWith('waiting for CRDs') === true);
    expect(discovery.notReadyReason()).toBe(
      'waiting for CRDs inferencesets.kaito.sh, workspaces.kaito.sh, scaledobjects.keda.sh (install KAITO and KEDA)',
    );
    // Several polls, one line.
    await fake.until(() => fake.requests.filter((request) => request.verb === 'crd').length >= 9);
    fake.installCrd(INFERENCESET_CRD);
    fake.installCrd(WORKSPACE_CRD);
    fake.apply(IS, inferenceSet('default', 'phi-4'));
    await fake.until(() => discovery.notReadyReason() === 'waiting for CRD scaledobjects.keda.sh (install KEDA)');
    expect(discovery.ready()).toBe(false);
    fake.installCrd(SCALEDOBJECT_CRD);
    await fake.until(() => discovery.ready());
    expect(discovery.lookup('default', 'phi-4')).toBeDefined();

    const notReady = logs.lines.filter((line) => String(line['msg']).startsWith('discovery not ready: waiting for CRD'));
    expect(notReady.map((line) => line['msg'])).toEqual([
      'discovery not ready: waiting for CRDs inferencesets.kaito.sh, workspaces.kaito.sh, scaledobjects.keda.sh (install KAITO and KEDA)',
      'discovery not ready: waiting for CRD scaledobjects.keda.sh (install KEDA)',
    ]);
    expect(notReady.every((line) => line['level'] === 'info' && line['reason'] === 'CrdMissing')).toBe(true);
    expect(logs.messages().filter((message) => message.startsWith('discovery ready'))).toEqual([
      'discovery ready: 1 InferenceSets, 0 Workspaces',
    ]);
  });

  it('is not ready while the API server is down, and becomes ready when it is up', async () => {
    const fake = await setup.fake();
    fake.apply(IS, inferenceSet('default', 'phi-4'));
    await fake.stop();
    const { discovery, logs } = setup.discovery(fake);
    expect(discovery.ready()).toBe(false);
    expect(discovery.notReadyReason()).toBe(`connecting to the API server ${fake.url}`);
    await fake.until(() => /cannot reach the API server .*ECONNREFUSED/.test(discovery.notReadyReason() ?? ''));
    expect(discovery.notReadyReason()).toMatch(/^get CRD \S+: cannot reach the API server http:\/\/127\.0\.0\.1:\d+: /);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fake.start();
    await fake.until(() => discovery.ready());
    expect(discovery.lookup('default', 'phi-4')).toBeDefined();
    const warnings = logs.lines.filter((line) => line['level'] === 'warn' && String(line['msg']).startsWith('discovery not ready'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['reason']).toBe('ApiUnreachable');
  });

  it('keeps its cache when the API server goes away after start, and catches up when it is back', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    await fake.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(discovery.ready()).toBe(true);
    expect(discovery.lookup('default', 'phi-4')).toBeDefined();
    fake.apply(IS, inferenceSet('default', 'while-down'));
    await fake.start();
    await fake.until(() => discovery.lookup('default', 'while-down') !== undefined);
  });

  it.each<[string, string[], string[], string, string]>([
    ['both versions served', ['v1alpha1', 'v1beta1'], ['v1alpha1', 'v1beta1'], 'v1beta1', 'v1beta1'],
    ['only v1alpha1 (older KAITO)', ['v1alpha1'], ['v1alpha1'], 'v1alpha1', 'v1alpha1'],
    ['InferenceSets in v1alpha1 only, Workspaces in both', ['v1alpha1'], ['v1alpha1', 'v1beta1'], 'v1alpha1', 'v1beta1'],
    ['only v1beta1', ['v1beta1'], ['v1beta1'], 'v1beta1', 'v1beta1'],
  ])('reads each resource in the best served version: %s', async (_, setVersions, workspaceVersions, setVersion, workspaceVersion) => {
    const crds = [{ ...INFERENCESET_CRD, versions: setVersions }, { ...WORKSPACE_CRD, versions: workspaceVersions }, SCALEDOBJECT_CRD];
    const { fake, discovery, logs } = await setup.start({ crds }, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    });
    await fake.until(() => discovery.ready());
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-0']);
    const versions = (resource: string) => [
      ...new Set(
        fake.requests.filter((request) => request.resource === resource && request.verb !== 'crd').map((request) => request.version),
      ),
    ];
    expect(versions(IS)).toEqual([setVersion]);
    expect(versions(WS)).toEqual([workspaceVersion]);
    expect(logs.lines.find((line) => String(line['msg']).startsWith('discovery ready'))?.['versions']).toEqual({
      [IS]: setVersion,
      [WS]: workspaceVersion,
    });
  });

  it('is not ready when KAITO serves neither version', async () => {
    const crds = [{ ...INFERENCESET_CRD, versions: ['v1'] }, WORKSPACE_CRD, SCALEDOBJECT_CRD];
    const { fake, discovery } = await setup.start({ crds });
    await fake.until(() => discovery.notReadyReason()?.includes('none of') === true);
    expect(discovery.notReadyReason()).toBe(
      'the API server serves inferencesets.kaito.sh in none of v1beta1, v1alpha1 (it serves only v1, which this scaler does not read): install or upgrade KAITO',
    );
    fake.installCrd(INFERENCESET_CRD);
    await fake.until(() => discovery.ready());
  });

  it.each<[string, number, string]>([
    ['forbidden', 403, "forbidden (403): the scaler's ServiceAccount needs get on customresourcedefinitions.apiextensions.k8s.io"],
    ['failing', 500, 'the API server answered 500 (injected 500)'],
  ])('says so when reading CRDs is %s, and recovers', async (_, status, detail) => {
    const { fake, discovery } = await setup.start();
    const fault = fake.inject({ verb: 'crd', status });
    await fake.until(() => discovery.notReadyReason()?.endsWith(detail) === true);
    expect(discovery.notReadyReason()).toMatch(/^get CRD (inferencesets\.kaito\.sh|workspaces\.kaito\.sh|scaledobjects\.keda\.sh): /);
    fault.remove();
    await fake.until(() => discovery.ready());
  });

  it('retries a malformed discovery answer', async () => {
    const { fake, discovery, logs } = await setup.start({}, (fake) => fake.inject({ verb: 'discovery', body: '{"groups": [', times: 1 }));
    await fake.until(() => discovery.ready());
    expect(fake.requests.filter((request) => request.path === '/apis')).toHaveLength(2);
    const line = logs.messages().find((message) => message.startsWith('discovery not ready: discover API groups'));
    expect(line).toMatch(/^discovery not ready: discover API groups: unexpected answer from the API server: /);
  });

  it('says so when listing is forbidden', async () => {
    const { fake, discovery } = await setup.start();
    fake.inject({ verb: 'list', resource: WS, status: 403 });
    await fake.until(() => discovery.notReadyReason() !== undefined && discovery.notReadyReason()!.startsWith('list workspaces'));
    expect(discovery.notReadyReason()).toBe(
      "list workspaces.kaito.sh/v1beta1: forbidden (403): the scaler's ServiceAccount needs get, list and watch on workspaces.kaito.sh",
    );
  });

  it('says so when the credentials are refused', async () => {
    const fake = await setup.fake({ token: 'the-real-token' });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const wrong = `${fake.kubeconfigPath}.wrong`;
    writeFileSync(wrong, readFileSync(fake.kubeconfigPath, 'utf8').replace('the-real-token', 'a-stale-token'));
    const { discovery } = setup.discovery(fake, FAST, wrong);
    await fake.until(() => discovery.notReadyReason()?.includes('(401)') === true);
    expect(discovery.notReadyReason()).toMatch(
      /^get CRD \S+: the API server refused the credentials \(401\): check the kubeconfig or the ServiceAccount token$/,
    );
  });

  it('throws at once when there is no kubeconfig to load', async () => {
    const fake = await setup.fake();
    expect(() => setup.discovery(fake, FAST, `${fake.kubeconfigPath}.absent`)).toThrow(
      /^cannot load the kubeconfig \(.*\.absent\): ENOENT/,
    );
  });
});

describe('resources that go away after start', () => {
  it('a deleted CRD makes it not ready; a recreated one ready again, from a fresh list', async () => {
    const { fake, discovery } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    });
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    fake.removeCrd(WS);
    await fake.until(() => !discovery.ready());
    await fake.until(() => discovery.notReadyReason() === 'waiting for CRD workspaces.kaito.sh (install KAITO)');
    expect(discovery.lookup('default', 'phi-4')).toBeUndefined();
    fake.installCrd(WORKSPACE_CRD);
    fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4'));
    await fake.until(() => discovery.ready());
    expect(targets(discovery, 'default', 'phi-4')).toEqual(['phi-4-1']);
  });

  it('a version no longer served switches to the one that is', async () => {
    const crds = [{ ...INFERENCESET_CRD, versions: ['v1alpha1'] }, WORKSPACE_CRD, SCALEDOBJECT_CRD];
    const { fake, discovery, logs } = await setup.start({ crds }, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    fake.installCrd({ ...INFERENCESET_CRD, versions: ['v1beta1'] });
    await fake.until(() =>
      fake.requests.some((request) => request.verb === 'list' && request.resource === IS && request.version === 'v1beta1'),
    );
    await fake.until(() => discovery.ready());
    expect(discovery.lookup('default', 'phi-4')).toBeDefined();
    expect(logs.messages()).toContain(
      'discovery not ready: watch inferencesets.kaito.sh/v1alpha1: not served (404): detecting the API versions again',
    );
  });
});

describe('metrics', () => {
  it('report cache sizes and readiness, and are removed on stop', async () => {
    const { fake, discovery, registry } = await setup.start({}, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
      fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4', true));
    });
    expect(await metric(registry, 'kks_discovery_ready')).toBe(0);
    await fake.until(() => discovery.ready());
    expect(await metric(registry, 'kks_discovery_ready')).toBe(1);
    expect(await metric(registry, 'kks_discovery_objects', { resource: IS })).toBe(1);
    expect(await metric(registry, 'kks_discovery_objects', { resource: WS })).toBe(2);
    await discovery.stop();
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });
});

describe('stop()', () => {
  const active = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'Timeout').length;

  it.each<
    [
      string,
      (fake: import('../../../bench/support/fake-api-server.js').FakeApiServer) => void,
      (state: { ready: boolean; reason: string | undefined }) => boolean,
    ]
  >([
    ['when ready, with watches open', () => {}, (state) => state.ready],
    [
      'while waiting for CRDs',
      (fake) => fake.removeCrd(`${SCALEDOBJECT_CRD.plural}.${SCALEDOBJECT_CRD.group}`),
      (state) => state.reason?.startsWith('waiting for CRD') === true,
    ],
    [
      'while a list hangs',
      (fake) => fake.inject({ verb: 'list', delayMs: 60_000 }),
      (state) => state.reason?.startsWith('listing') === true,
    ],
    [
      'while retrying a failed list',
      (fake) => fake.inject({ verb: 'list', status: 503 }),
      (state) => state.reason?.includes('503') === true,
    ],
    ['while a watch request waits for its answer', (fake) => fake.inject({ verb: 'watch', delayMs: 400 }), (state) => state.ready],
  ])('%s: ends watches, requests and timers', async (_, arrange, reached) => {
    const baseline = active();
    const { fake, discovery } = await setup.start({ crds: STANDARD_CRDS }, (fake) => {
      fake.apply(IS, inferenceSet('default', 'phi-4'));
      arrange(fake);
    });
    await fake.until(() => reached({ ready: discovery.ready(), reason: discovery.notReadyReason() }));
    await discovery.stop();
    // No watch request is left waiting for its answer once stop() resolves.
    expect(fake.requests.filter((request) => request.verb === 'watch' && request.status === 0)).toEqual([]);
    expect(discovery.ready()).toBe(false);
    expect(discovery.notReadyReason()).toBe('discovery stopped');
    expect(discovery.lookup('default', 'phi-4')).toBeUndefined();
    await fake.until(() => fake.openWatches() === 0);
    const requests = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.length).toBe(requests);
    await discovery.stop();
    await fake.close();
    await fake.until(() => active() <= baseline, 5000);
  });
});
