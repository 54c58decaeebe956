import { jest } from '@jest/globals';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { SCALEDOBJECT_CRD, startFakeApiServer, WORKSPACE_CRD, type FakeApiServer } from '../../../bench/support/fake-api-server.js';
import { inferenceSet, IS, workspace, WS } from './harness.js';

// Generous: the machine running the suite may be busy; waits inside tests are bounded by `until`.
jest.setTimeout(30_000);

// The fake is shared by other suites (reliability, memory benchmark): its behaviour is a contract.

let fake: FakeApiServer;
const token = 'fake-api-server-token';
const get = (path: string, authorization = `Bearer ${token}`) => fetch(`${fake.url}${path}`, { headers: { authorization } });
const body = async (path: string) => (await get(path)).json() as Promise<Record<string, any>>;

interface WatchEvent {
  type: string;
  object: Record<string, any>;
}

/** Reads watch events until `count` arrived or the stream ended. */
async function readEvents(
  path: string,
  count: number,
  signal?: AbortSignal,
): Promise<{ status: number; events: WatchEvent[]; ended: boolean }> {
  const response = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
  const events: WatchEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) return { status: response.status, events, ended: true };
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line !== '') events.push(JSON.parse(line) as WatchEvent);
  }
  await reader.cancel();
  return { status: response.status, events, ended: false };
}

beforeEach(async () => {
  fake = await startFakeApiServer();
});
afterEach(() => fake.close());

describe('the fake API server', () => {
  it('requires the bearer token of its kubeconfig', async () => {
    expect((await get('/apis', 'Bearer wrong')).status).toBe(401);
    expect((await get('/apis')).status).toBe(200);
  });

  it('serves discovery for the groups and versions of its CRDs', async () => {
    const groups = await body('/apis');
    expect(groups['groups'].map((group: { name: string }) => group.name)).toEqual(['kaito.sh', 'keda.sh', 'apiextensions.k8s.io']);
    expect((await body('/apis/kaito.sh'))['versions']).toEqual([
      { groupVersion: 'kaito.sh/v1beta1', version: 'v1beta1' },
      { groupVersion: 'kaito.sh/v1alpha1', version: 'v1alpha1' },
    ]);
    const resources = await body('/apis/kaito.sh/v1beta1');
    expect(resources['resources'].map((resource: { name: string }) => resource.name)).toEqual([
      'inferencesets',
      'inferencesets/status',
      'workspaces',
      'workspaces/status',
    ]);
    expect((await get('/apis/kaito.sh/v1')).status).toBe(404);
    fake.installCrd({ ...WORKSPACE_CRD, versions: ['v1alpha1'] });
    expect((await body('/apis/kaito.sh/v1beta1'))['resources'].map((resource: { name: string }) => resource.name)).toEqual([
      'inferencesets',
      'inferencesets/status',
    ]);
  });

  it('serves CRDs until they are removed, and their objects go with them', async () => {
    const crd = await body('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scaledobjects.keda.sh');
    expect(crd['spec']).toMatchObject({ group: 'keda.sh', names: { plural: 'scaledobjects', kind: 'ScaledObject' } });
    expect(crd['status']['conditions']).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    fake.apply(WS, workspace('default', 'w'));
    fake.removeCrd(WS);
    fake.removeCrd(`${SCALEDOBJECT_CRD.plural}.${SCALEDOBJECT_CRD.group}`);
    expect((await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scaledobjects.keda.sh')).status).toBe(404);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces')).status).toBe(404);
    expect(() => fake.apply(WS, workspace('default', 'w'))).toThrow('no CRD workspaces.kaito.sh');
    fake.installCrd(WORKSPACE_CRD);
    expect((await body('/apis/kaito.sh/v1beta1/workspaces'))['items']).toEqual([]);
  });

  it('lists in consistent pages, in the version asked for, across namespaces or in one', async () => {
    for (const name of ['a', 'b', 'c']) fake.apply(WS, workspace('default', name));
    fake.apply(WS, workspace('other', 'd'));
    const first = await body('/apis/kaito.sh/v1alpha1/workspaces?limit=2');
    expect(first['items'].map((item: any) => item.metadata.name)).toEqual(['a', 'b']);
    expect(first['items'][0].apiVersion).toBe('kaito.sh/v1alpha1');
    expect(first['metadata']['resourceVersion']).toBe(fake.resourceVersion());
    fake.remove(WS, 'default', 'c');
    const second = await body(`/apis/kaito.sh/v1alpha1/workspaces?limit=2&continue=${first['metadata']['continue']}`);
    expect(second['items'].map((item: any) => item.metadata.name)).toEqual(['c', 'd']);
    expect(second['metadata']).toEqual({ resourceVersion: first['metadata']['resourceVersion'] });
    expect((await body('/apis/kaito.sh/v1beta1/namespaces/other/workspaces'))['items'].map((item: any) => item.metadata.name)).toEqual([
      'd',
    ]);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces?continue=unknown:1')).status).toBe(410);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces?labelSelector=a%3Db')).status).toBe(400);
  });

  it('replays changes after a resourceVersion, then streams new ones', async () => {
    const from = fake.apply(IS, inferenceSet('default', 'a')).metadata.resourceVersion;
    fake.apply(IS, inferenceSet('default', 'b'));
    fake.apply(IS, inferenceSet('default', 'a', 'team-a'));
    fake.remove(IS, 'default', 'b');
    const watching = readEvents(`/apis/kaito.sh/v1beta1/inferencesets?watch=true&resourceVersion=${from}`, 4);
    await fake.until(() => fake.openWatches(IS) === 1);
    fake.apply(WS, workspace('default', 'not-an-inferenceset'));
    fake.apply(IS, inferenceSet('default', 'c'));
    const { status, events } = await watching;
    expect(status).toBe(200);
    expect(events.map((event) => [event.type, event.object['metadata']['name'], event.object['apiVersion']])).toEqual([
      ['ADDED', 'b', 'kaito.sh/v1beta1'],
      ['MODIFIED', 'a', 'kaito.sh/v1beta1'],
      ['DELETED', 'b', 'kaito.sh/v1beta1'],
      ['ADDED', 'c', 'kaito.sh/v1beta1'],
    ]);
    expect(events.map((event) => Number(event.object['metadata']['resourceVersion']))).toEqual(
      [...events.map((event) => Number(event.object['metadata']['resourceVersion']))].sort((x, y) => x - y),
    );
  });

  it('starts a watch without resourceVersion with the current objects', async () => {
    fake.apply(IS, inferenceSet('default', 'a'));
    const { events } = await readEvents('/apis/kaito.sh/v1alpha1/inferencesets?watch=true', 1);
    expect(events.map((event) => [event.type, event.object['metadata']['name'], event.object['apiVersion']])).toEqual([
      ['ADDED', 'a', 'kaito.sh/v1alpha1'],
    ]);
  });

  it('ends watches at timeoutSeconds, on closeWatches, and sends bookmarks to those that asked', async () => {
    const timed = readEvents(`/apis/kaito.sh/v1beta1/workspaces?watch=true&resourceVersion=${fake.resourceVersion()}&timeoutSeconds=1`, 1);
    const closed = readEvents(
      `/apis/kaito.sh/v1beta1/inferencesets?watch=true&resourceVersion=${fake.resourceVersion()}&allowWatchBookmarks=true`,
      2,
    );
    await fake.until(() => fake.openWatches() === 2);
    fake.bookmark();
    fake.closeWatches();
    expect(await closed).toMatchObject({
      ended: true,
      events: [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: fake.resourceVersion() } } }],
    });
    const started = Date.now();
    const again = readEvents(`/apis/kaito.sh/v1beta1/workspaces?watch=true&resourceVersion=${fake.resourceVersion()}&timeoutSeconds=1`, 1);
    expect(await again).toMatchObject({ ended: true, events: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await timed).toMatchObject({ ended: true, events: [] });
  });

  it('answers 410 Gone to a watch from before a compaction', async () => {
    const from = fake.apply(IS, inferenceSet('default', 'a')).metadata.resourceVersion;
    fake.apply(IS, inferenceSet('default', 'b'));
    fake.compact();
    const { status, events, ended } = await readEvents(`/apis/kaito.sh/v1beta1/inferencesets?watch=true&resourceVersion=${from}`, 2);
    expect({ status, ended }).toEqual({ status: 200, ended: true });
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
    const current = await readEvents(
      `/apis/kaito.sh/v1beta1/inferencesets?watch=true&resourceVersion=${fake.resourceVersion()}&timeoutSeconds=1`,
      1,
    );
    expect(current).toMatchObject({ status: 200, events: [] });
  });

  it('applies injected faults to matching requests, as many times as asked', async () => {
    const failing = fake.inject({ verb: 'list', resource: WS, status: 503, times: 2 });
    expect((await get('/apis/kaito.sh/v1beta1/inferencesets')).status).toBe(200);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces')).status).toBe(503);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces')).status).toBe(503);
    expect((await get('/apis/kaito.sh/v1beta1/workspaces')).status).toBe(200);
    expect(failing.hits).toBe(2);

    fake.inject({ verb: 'watch', gone: 'status', times: 1 });
    expect((await get('/apis/kaito.sh/v1beta1/workspaces?watch=true&resourceVersion=1')).status).toBe(410);
    fake.inject({ verb: 'watch', gone: 'event', times: 1 });
    const gone = await readEvents('/apis/kaito.sh/v1beta1/workspaces?watch=true&resourceVersion=1', 2);
    expect(gone).toMatchObject({ status: 200, ended: true, events: [{ type: 'ERROR', object: { code: 410 } }] });

    const slow = fake.inject({ verb: 'crd', delayMs: 300 });
    const started = Date.now();
    expect((await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/workspaces.kaito.sh')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    slow.remove();
    fake.inject({ verb: 'discovery', body: 'not json', times: 1 });
    expect(await (await get('/apis')).text()).toBe('not json');
    expect(fake.requests.filter((request) => request.verb === 'list').map((request) => request.status)).toEqual([200, 503, 503, 200]);
  });

  it('stops and starts on the same port', async () => {
    await fake.stop();
    await expect(get('/apis')).rejects.toThrow();
    await fake.start();
    expect((await get('/apis')).status).toBe(200);
  });

  it('is reachable with its kubeconfig through client-node', async () => {
    fake.apply(WS, workspace('default', 'w'));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(fake.kubeconfigPath);
    const list = await kubeConfig
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: 'kaito.sh', version: 'v1beta1', plural: 'workspaces' });
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['w']);
  });
});
