import { jest } from '@jest/globals';
import { join } from 'node:path';
import request from 'supertest';
import { startKubernetesDiscovery } from '../../scaler/discovery/kubernetes.js';
import { realParts } from '../../scaler/parts.js';
import { startScaler, type RunningScaler, type ScalerParts } from '../../scaler/start.js';
import { FAST, inferenceSet, IS, workspace, WS } from '../scaler/discovery/harness.js';
import { captureLog, eventually, scalerClient, tempDir, type TestClient, testScalerOptions } from '../scaler/helpers.js';
import { createAuthority, writeTlsDir, type TestAuthority } from '../scaler/pki.js';
import { startFakeApiServer, WORKSPACE_CRD, type FakeApiServer } from '../../bench/support/fake-api-server.js';
import { FAMILY, startHostile, type HostileTarget } from '../support/hostile-targets.js';
import { trapUnhandledRejections } from './traps.js';

/**
 * The API server misbehaving, as KEDA sees it: the real scaler (gRPC, mTLS, the real
 * measurer) with Kubernetes discovery against the fake API server. Discovery's own tests
 * cover the informer mechanics (resume, relist, backoff); these check what a caller gets
 * meanwhile: UNAVAILABLE with the reason while the scaler cannot know the replicas, answers
 * from the cache while it can, and the replicas as they are now once it has caught up.
 *
 * Workspace Services' cluster names do not resolve here, so the core scrapes a local
 * replica per Workspace name instead; everything else is the scaler's own.
 */

jest.setTimeout(30_000);

const THRESHOLD = 10;

let dir: Awaited<ReturnType<typeof tempDir>>;
let ca: TestAuthority;
/** Local replicas by Workspace name, and what each serves. */
const replicas = new Map<string, HostileTarget>();
const running: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = await tempDir('api-server');
  ca = createAuthority();
  await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
  for (const [name, value, delayMs] of [
    ['phi-4-0', 3, 0],
    ['phi-4-1', 5, 0],
    ['phi-4-2', 7, 0],
    ['phi-4-slow', 4, 800],
  ] as const) {
    replicas.set(name, await startHostile('healthy', { maxBodyBytes: 1 << 20, value, delayMs }));
  }
});

afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

afterAll(async () => {
  await Promise.all([...replicas.values()].map((replica) => replica.close()));
  await dir?.remove();
});

// Declared after the cleanup above, so that its check runs last.
trapUnhandledRejections();

/** The real scaler parts; only the Workspace's address is local. */
const parts = (fake: FakeApiServer): ScalerParts => ({
  createCore(options) {
    const core = realParts.createCore(options);
    return {
      ...core,
      targetUrls: (_config, _namespace, workspaces) =>
        workspaces.map((entry) => replicas.get(entry.name)?.url ?? `http://${entry.name}.invalid/metrics`),
    };
  },
  startDiscovery: async ({ log, registry }) => ({
    ok: true,
    value: startKubernetesDiscovery({ kubeconfig: fake.kubeconfigPath, log, registry, timing: FAST }),
  }),
});

interface Stack {
  readonly fake: FakeApiServer;
  readonly scaler: RunningScaler;
  readonly keda: TestClient;
  readyz(): Promise<{ status: number; text: string }>;
  /** GetMetrics of phi-4: the value, or the code and message. */
  value(name?: string, timeoutMs?: number): Promise<number | string>;
}

async function stack(seed: (fake: FakeApiServer) => void, before: (fake: FakeApiServer) => Promise<void> = async () => {}): Promise<Stack> {
  const fake = await startFakeApiServer();
  running.push(() => fake.close());
  seed(fake);
  await before(fake);
  const started = await startScaler(
    testScalerOptions({ tlsDir: join(dir.path, 'tls'), shutdownGraceMs: 1000 }),
    captureLog().log,
    parts(fake),
  );
  if (!started.ok) throw new Error(started.problem.message);
  const scaler = started.value;
  running.push(() => scaler.stop());
  const keda = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...ca.clientLeaf() });
  running.push(async () => keda.close());
  return {
    fake,
    scaler,
    keda,
    readyz: async () => {
      const response = await request(`http://127.0.0.1:${scaler.httpPort}`).get('/readyz');
      return { status: response.status, text: response.text };
    },
    async value(name = 'phi-4', timeoutMs = 3000) {
      const outcome = await keda.getMetrics(ref(name), timeoutMs);
      return outcome.ok ? (outcome.response.metricValues[0]?.metricValueFloat ?? NaN) : `${outcome.code}: ${outcome.details}`;
    },
  };
}

const ref = (name = 'phi-4') => ({
  name: 'so',
  namespace: 'default',
  scalerMetadata: { inferenceSetName: name, inferenceSetNamespace: 'default', metricName: FAMILY, threshold: String(THRESHOLD) },
});

/** phi-4 with Workspaces phi-4-0 (3) and phi-4-1 (5). */
const seed = (fake: FakeApiServer) => {
  fake.apply(IS, inferenceSet('default', 'phi-4'));
  fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
  fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4'));
};

const ready = async (subject: Stack) => eventually('the scaler to be ready', async () => (await subject.readyz()).status === 200);

describe('the API server is unavailable at start', () => {
  it('not ready with the reason, UNAVAILABLE for KEDA (GetMetricSpec still answers); then ready, and the right number', async () => {
    const subject = await stack(seed, (fake) => fake.stop());
    await eventually('the reason to name the API server', async () => /cannot reach the API server/.test((await subject.readyz()).text));
    expect(await subject.readyz()).toEqual({
      status: 503,
      text: expect.stringMatching(/^not ready: get CRD \S+: cannot reach the API server http:\/\/127\.0\.0\.1:\d+/),
    });
    expect(await subject.keda.getMetricSpec(ref())).toEqual(expect.objectContaining({ ok: true }));
    const started = Date.now();
    expect(await subject.value()).toMatch(/^UNAVAILABLE: the scaler is not ready: get CRD \S+: cannot reach the API server/);
    expect(Date.now() - started).toBeLessThan(1000);

    await subject.fake.start();
    await ready(subject);
    expect(await subject.value()).toBe(8);
  });
});

describe('a slow list', () => {
  it('calls meanwhile are answered UNAVAILABLE at once, not held until the list arrives', async () => {
    const subject = await stack(seed, async (fake) => void fake.inject({ verb: 'list', resource: WS, delayMs: 1500, times: 1 }));
    await eventually('the Workspace list to be asked for', () =>
      subject.fake.requests.some((entry) => entry.verb === 'list' && entry.resource === WS),
    );
    const started = Date.now();
    expect(await subject.value()).toMatch(/^UNAVAILABLE: the scaler is not ready: listing workspaces\.kaito\.sh/);
    expect(Date.now() - started).toBeLessThan(1000);
    await ready(subject);
    expect(await subject.value()).toBe(8);
  });
});

describe('watches that end', () => {
  it('closed: the scaler keeps answering, and sees a replica added meanwhile', async () => {
    const subject = await stack(seed);
    await ready(subject);
    await subject.fake.until(() => subject.fake.openWatches() === 2);
    subject.fake.closeWatches();
    expect(await subject.value()).toBe(8);
    subject.fake.apply(WS, workspace('default', 'phi-4-2', 'phi-4'));
    await eventually('the new replica to count', async () => (await subject.value()) === 15);
    expect((await subject.readyz()).status).toBe(200);
  });

  it('410 Gone after an outage: answers from the cache during it, the replica set as it is now after the relist', async () => {
    const subject = await stack(seed);
    await ready(subject);
    await subject.fake.until(() => subject.fake.openWatches() === 2);
    await subject.fake.stop();
    // The API server is away: the cache answers, and the scaler stays ready.
    expect(await subject.value()).toBe(8);
    expect((await subject.readyz()).status).toBe(200);
    subject.fake.remove(WS, 'default', 'phi-4-1');
    subject.fake.apply(WS, workspace('default', 'phi-4-2', 'phi-4'));
    subject.fake.compact();
    const lists = subject.fake.requests.filter((entry) => entry.verb === 'list').length;
    await subject.fake.start();
    await eventually('the replica set after the relist', async () => (await subject.value()) === 10);
    expect(subject.fake.requests.filter((entry) => entry.verb === 'list').length).toBeGreaterThan(lists);
    const metrics = (await request(`http://127.0.0.1:${subject.scaler.httpPort}`).get('/metrics')).text;
    expect(metrics).toMatch(/kks_discovery_watch_restarts_total\{resource="workspaces\.kaito\.sh",reason="expired"\} [1-9]/);
  });
});

describe('objects deleted while a round is in flight', () => {
  const slowSeed = (fake: FakeApiServer) => {
    seed(fake);
    fake.apply(WS, workspace('default', 'phi-4-slow', 'phi-4'));
  };

  it('a Workspace: the call in flight answers for the replicas it started with, the next one without it', async () => {
    const subject = await stack(slowSeed);
    await ready(subject);
    const slow = replicas.get('phi-4-slow') as HostileTarget;
    const before = slow.requests;
    const inFlight = subject.value();
    await eventually('the slow replica to be asked', () => slow.requests > before);
    subject.fake.remove(WS, 'default', 'phi-4-slow');
    expect(await inFlight).toBe(3 + 5 + 4);
    await eventually('the deleted Workspace to be gone', async () => (await subject.value()) === 8);
  });

  it('a Workspace being deleted (deletionTimestamp) stops counting', async () => {
    const subject = await stack(seed);
    await ready(subject);
    subject.fake.apply(WS, workspace('default', 'phi-4-1', 'phi-4', true));
    await eventually('the Workspace being deleted to stop counting', async () => (await subject.value()) === 3);
  });

  it('the InferenceSet: the call in flight answers, the next is NOT_FOUND', async () => {
    const subject = await stack(slowSeed);
    await ready(subject);
    const slow = replicas.get('phi-4-slow') as HostileTarget;
    const before = slow.requests;
    const inFlight = subject.value();
    await eventually('the slow replica to be asked', () => slow.requests > before);
    subject.fake.remove(IS, 'default', 'phi-4');
    expect(await inFlight).toBe(12);
    await eventually('the InferenceSet to be gone', async () =>
      /^NOT_FOUND: InferenceSet default\/phi-4 does not exist/.test(String(await subject.value())),
    );
  });

  it('every Workspace: UNAVAILABLE NoTargets, never a made-up 0', async () => {
    const subject = await stack(seed);
    await ready(subject);
    subject.fake.remove(WS, 'default', 'phi-4-0');
    subject.fake.remove(WS, 'default', 'phi-4-1');
    await eventually('no replicas left', async () => /^UNAVAILABLE: .*no replicas/.test(String(await subject.value())));
  });
});

describe('the KAITO CRD removed while serving', () => {
  it('not ready and UNAVAILABLE with the reason; ready again once it is back', async () => {
    const subject = await stack(seed);
    await ready(subject);
    subject.fake.removeCrd(WS);
    await eventually('not ready', async () => (await subject.readyz()).status === 503);
    expect(await subject.value()).toMatch(/^UNAVAILABLE: the scaler is not ready: /);
    subject.fake.installCrd(WORKSPACE_CRD);
    subject.fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    await ready(subject);
    expect(await subject.value()).toBe(3);
  });
});
