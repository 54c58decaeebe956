import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../hooks/objects.js';
import { ANNOTATIONS, WORKSPACE_LABEL } from '../../schemas/annotations.js';
import { startKubernetesDiscovery } from '../../scaler/discovery/kubernetes.js';
import type { Discovery } from '../../scaler/discovery/discovery.js';
import { captureLog, eventually } from '../scaler/helpers.js';
import { prepare, startCluster, type Cluster } from './support/cluster.js';
import { certificateSecrets, inferenceSet, KEDA_NAMESPACE, renderedScaledObject } from './support/rendered.js';

/**
 * A real API server (kube-apiserver and etcd built from their Go modules, see
 * test/e2e/cluster/go.mod) with the CRDs of KEDA, KAITO and Metacontroller: our manifests
 * apply, what the hooks render is stored as sent, KAITO's /scale subresource works the way
 * KEDA drives it, and the scaler's discovery lists and watches through an API server restart.
 */

const NAMESPACE = 'team-a';

let dir: string;
let cluster: Cluster;

const kubectl = (...args: string[]) => cluster.kubectl(...args);

/** What the API server stores that nobody sends: identity, bookkeeping and status. */
function sentFields(stored: KubeObject): KubeObject {
  const { status: _status, metadata, ...rest } = stored as KubeObject & { status?: unknown };
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    generation: _g,
    managedFields: _mf,
    ...sent
  } = metadata as KubeObject['metadata'] & Record<string, unknown>;
  return { ...rest, metadata: sent } as KubeObject;
}

const path = (object: KubeObject, plural: string) => {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return `${base}/namespaces/${object.metadata.namespace}/${plural}`;
};

/** Creates with strict field validation (an unknown field is an error, not pruned) and reads it back. */
async function createAndRead(object: KubeObject, plural: string): Promise<KubeObject> {
  const created = await cluster.api('POST', `${path(object, plural)}?fieldValidation=Strict`, object);
  expect({ status: created.status, body: created.status === 201 ? 'created' : created.body }).toEqual({ status: 201, body: 'created' });
  const read = await cluster.api('GET', `${path(object, plural)}/${object.metadata.name}`);
  expect(read.status).toBe(200);
  return read.body as KubeObject;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kks-e2e-api-'));
  cluster = await startCluster(dir);
  await prepare(cluster, [KEDA_NAMESPACE, NAMESPACE]);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the manifests', () => {
  it('apply with `kubectl apply -k manifests/` and every object is there', async () => {
    const applied = await kubectl('apply', '-k', 'manifests/');
    const rendered = await kubectl('kustomize', 'manifests/');
    const objects = rendered.stdout.split(/^---$/m).filter((text) => /^kind:/m.test(text)).length;
    expect(applied.stdout.trim().split('\n')).toHaveLength(objects);
    const got = await kubectl('get', '-k', 'manifests/', '-o', 'name');
    expect(got.stdout.trim().split('\n')).toHaveLength(objects);
  });
});

describe('what the hooks render, created through the API server', () => {
  it('the ScaledObject is stored exactly as the sync hook sent it: no field pruned, refused or rewritten', async () => {
    const sent = renderedScaledObject(inferenceSet('stored', NAMESPACE, { [ANNOTATIONS.threshold]: '5', [ANNOTATIONS.maxReplicas]: '4' }));
    const stored = await createAndRead(sent, 'scaledobjects');
    expect(sentFields(stored)).toEqual(sent);
  });

  it('a field the CRD does not have is refused, not pruned: the comparison above would see one', async () => {
    const annotations = { [ANNOTATIONS.threshold]: '5', [ANNOTATIONS.maxReplicas]: '4' };
    const sent = renderedScaledObject(inferenceSet('unknown-field', NAMESPACE, annotations));
    const withTypo = { ...sent, spec: { ...(sent.spec as Record<string, unknown>), coolDown: 30 } };
    const created = await cluster.api('POST', `${path(sent, 'scaledobjects')}?fieldValidation=Strict`, withTypo);
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toMatch(/unknown field \\"spec.coolDown\\"/);
  });

  it.each(['ca', 'server', 'client'] as const)('the %s Secret of the certificates hook is stored exactly as sent', async (part) => {
    const sent = certificateSecrets()[part] as unknown as KubeObject;
    const stored = await createAndRead({ ...sent, metadata: { ...sent.metadata, name: `${sent.metadata.name}-${part}` } }, 'secrets');
    expect(sentFields(stored)).toEqual({ ...sent, metadata: { ...sent.metadata, name: `${sent.metadata.name}-${part}` } });
  });
});

describe("an InferenceSet's /scale subresource, the way KEDA and the HPA use it", () => {
  it('reads the replicas and writes new ones into spec.replicas', async () => {
    const object = inferenceSet('scaled', NAMESPACE, {});
    await createAndRead(object, 'inferencesets');
    const scalePath = `${path(object, 'inferencesets')}/scaled/scale`;
    const scale = await cluster.api('GET', scalePath);
    expect(scale.status).toBe(200);
    const body = scale.body as { kind: string; spec: { replicas: number } };
    expect(body.kind).toBe('Scale');
    expect(body.spec.replicas).toBe(1);

    const updated = await cluster.api('PUT', scalePath, { ...body, spec: { replicas: 3 } });
    expect(updated.status).toBe(200);
    const read = await cluster.api('GET', `${path(object, 'inferencesets')}/scaled`);
    expect((read.body as { spec: { replicas: number } }).spec.replicas).toBe(3);
  });
});

describe("the scaler's discovery against the API server", () => {
  let discovery: Discovery;
  const workspace = (name: string, owner: string): KubeObject =>
    ({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name, namespace: NAMESPACE, labels: { [WORKSPACE_LABEL]: owner } },
      resource: { labelSelector: { matchLabels: { apps: owner } } },
      inference: { preset: { name: 'phi-4-mini-instruct' } },
    }) as KubeObject;
  const names = () =>
    discovery
      .lookup(NAMESPACE, 'watched')
      ?.workspaces.map((entry) => entry.name)
      .sort();

  beforeAll(async () => {
    await createAndRead(inferenceSet('watched', NAMESPACE, {}), 'inferencesets');
    await createAndRead(workspace('watched-0', 'watched'), 'workspaces');
    discovery = startKubernetesDiscovery({
      kubeconfig: cluster.kubeconfig,
      log: captureLog().log,
      timing: { retry: { initialMs: 200, maxMs: 1000 }, minWatchIntervalMs: 100 },
    });
    await eventually('discovery ready', () => discovery.ready(), 60_000);
  }, 90_000);

  afterAll(async () => {
    await discovery?.stop();
  });

  it('lists what exists', () => {
    expect(names()).toEqual(['watched-0']);
  });

  it('watches additions, label changes and deletions', async () => {
    await createAndRead(workspace('watched-1', 'watched'), 'workspaces');
    await eventually('watched-1 seen', () => names()?.join() === 'watched-0,watched-1', 20_000);

    const patch = await cluster.api(
      'PATCH',
      `${path(workspace('watched-1', 'watched'), 'workspaces')}/watched-1`,
      { metadata: { labels: { [WORKSPACE_LABEL]: 'someone-else' } } },
      'application/merge-patch+json',
    );
    expect(patch.status).toBe(200);
    await eventually('watched-1 relabelled away', () => names()?.join() === 'watched-0', 20_000);

    const allowed = await cluster.api(
      'PATCH',
      `${path(inferenceSet('watched', NAMESPACE, {}), 'inferencesets')}/watched`,
      { metadata: { annotations: { [ANNOTATIONS.allowedNamespaces]: 'team-b' } } },
      'application/merge-patch+json',
    );
    expect(allowed.status).toBe(200);
    const allowedNamespaces = () => discovery.lookup(NAMESPACE, 'watched')?.allowedNamespaces.join();
    await eventually('allowed namespaces seen', () => allowedNamespaces() === 'team-b', 20_000);
  });

  it('keeps answering while the API server restarts, and resumes watching after it', async () => {
    await cluster.stopApiServer();
    expect(names()).toEqual(['watched-0']);
    await cluster.startApiServer();
    await createAndRead(workspace('watched-2', 'watched'), 'workspaces');
    await eventually('watched-2 seen after the restart', () => names()?.join() === 'watched-0,watched-2', 60_000);
    const deleted = await cluster.api('DELETE', `${path(workspace('watched-0', 'watched'), 'workspaces')}/watched-0`);
    expect(deleted.status).toBe(200);
    await eventually('watched-0 gone after the restart', () => names()?.join() === 'watched-2', 60_000);
  }, 240_000);
});
