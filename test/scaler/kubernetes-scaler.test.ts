import { jest } from '@jest/globals';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import request from 'supertest';
import { realParts } from '../../scaler/parts.js';
import { startScaler, type RunningScaler } from '../../scaler/start.js';
import { startFakeApiServer, STANDARD_CRDS, type FakeApiServer } from '../../bench/support/fake-api-server.js';
import { inferenceSet, IS, workspace, WS } from './discovery/harness.js';
import { captureLog, eventually, scalerClient, tempDir, type TestClient, testScalerOptions, triggerMetadata } from './helpers.js';
import { createAuthority, writeTlsDir } from './pki.js';

/**
 * The `scaler` command's Kubernetes side: without --targets it discovers InferenceSets from
 * the API server (here an in-test fake), is not ready until the CRDs are there, and then
 * answers from the informer caches.
 */

jest.setTimeout(30_000);

const ref = (name = 'phi-4', namespace = 'default') => ({ name: 'so', namespace, scalerMetadata: triggerMetadata(name) });

let dir: Awaited<ReturnType<typeof tempDir>>;
let fake: FakeApiServer;
let scaler: RunningScaler;
let keda: TestClient;

beforeAll(async () => {
  dir = await tempDir('kubernetes-scaler');
  const ca = createAuthority();
  await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
  fake = await startFakeApiServer({ crds: [] });
  const started = await startScaler(
    testScalerOptions({ tlsDir: join(dir.path, 'tls'), kubeconfig: fake.kubeconfigPath, scrapeConcurrency: 8 }),
    captureLog().log,
    realParts,
  );
  if (!started.ok) throw new Error(started.problem.message);
  scaler = started.value;
  keda = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...ca.clientLeaf() });
});

afterAll(async () => {
  keda?.close();
  await scaler?.stop();
  await fake?.close();
  await dir?.remove();
});

describe('scaler with Kubernetes discovery', () => {
  it('is not ready while the CRDs are missing; GetMetricSpec answers anyway, the others are UNAVAILABLE', async () => {
    const readyz = await request(`http://127.0.0.1:${scaler.httpPort}`).get('/readyz').expect(503);
    expect(readyz.text).toMatch(/^not ready: .*inferencesets\.kaito\.sh/);
    expect(await keda.getMetricSpec(ref())).toEqual(expect.objectContaining({ ok: true }));
    expect(await keda.getMetrics(ref())).toEqual({
      ok: false,
      code: 'UNAVAILABLE',
      details: expect.stringMatching(/^the scaler is not ready: .*inferencesets\.kaito\.sh/),
    });
  });

  it('becomes ready once the CRDs exist, and answers from the caches', async () => {
    for (const crd of STANDARD_CRDS) fake.installCrd(crd);
    fake.apply(IS, inferenceSet('default', 'phi-4', 'team-b'));
    fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    await eventually('readiness', async () => (await request(`http://127.0.0.1:${scaler.httpPort}`).get('/readyz')).status === 200, 20_000);

    expect(await keda.getMetrics(ref('nope'))).toEqual(expect.objectContaining({ ok: false, code: 'NOT_FOUND' }));
    expect(await keda.getMetrics(ref('phi-4', 'team-c'))).toEqual(expect.objectContaining({ ok: false, code: 'PERMISSION_DENIED' }));
    // The Workspace Service's cluster name does not resolve here: no sample, and the message says where it looked.
    for (const caller of ['default', 'team-b']) {
      expect(await keda.getMetrics(ref('phi-4', caller), 2000)).toEqual({
        ok: false,
        code: 'UNAVAILABLE',
        details: expect.stringContaining('http://phi-4-0.default.svc.cluster.local:80/metrics'),
      });
    }
  });
});

describe('scaler without usable Kubernetes credentials', () => {
  it('does not start, and says why', async () => {
    const result = await realParts.startDiscovery({
      kubeconfig: join(dir.path, 'absent-kubeconfig'),
      registry: new Registry(),
      log: captureLog().log,
    });
    expect(result).toEqual({ ok: false, problem: { reason: 'NoKubeconfig', message: expect.stringContaining('absent-kubeconfig') } });
  });
});
