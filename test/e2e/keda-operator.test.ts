import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startReplica, type Replica } from '../../dev/vllm-replica.js';
import type { KubeObject } from '../../hooks/objects.js';
import { ANNOTATIONS } from '../../schemas/annotations.js';
import { eventually } from '../scaler/helpers.js';
import { prepare, startCluster, type Cluster } from './support/cluster.js';
import { BIN } from './support/go.js';
import { startOperator, type Operator } from './support/keda-operator.js';
import { certificateSecrets, inferenceSet, KEDA_NAMESPACE, renderedScaledObject, SCALER_SERVICE } from './support/rendered.js';
import { startScaler, type ScalerProcess } from './support/scaler.js';

/**
 * KEDA's operator against the real API server: it accepts the ScaledObject the sync hook
 * renders, reaches the built scaler over mTLS with the credentials of the manifests'
 * ClusterTriggerAuthentication, and creates the HPA we rendered.
 */

const NAMESPACE = 'team-a';
const NAME = 'phi-4-mini';
/** An InferenceSet in composite mode, beside the single-threshold one. */
const COMPOSITE = 'phi-4-composite';
let dir: string;
let cluster: Cluster;
let replicas: Replica[];
let scaler: ScalerProcess;
let operator: Operator;
let sent: KubeObject;
let sentComposite: KubeObject;

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

const get = async (path: string) => {
  const answer = await cluster.api('GET', path);
  return answer.status === 200 ? (answer.body as Record<string, unknown>) : undefined;
};
const scaledObjectPath = (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${NAMESPACE}/scaledobjects/${name}`;
const hpaPath = (name: string) => `/apis/autoscaling/v2/namespaces/${NAMESPACE}/horizontalpodautoscalers/keda-hpa-${name}`;
const conditions = async (name: string) =>
  ((await get(scaledObjectPath(name)))?.['status'] as { conditions?: Condition[] } | undefined)?.conditions ?? [];
const condition = async (type: string, name = NAME) => (await conditions(name)).find((entry) => entry.type === type);
const diagnose = () => `\noperator:\n${operator?.output().slice(-8000)}\nscaler:\n${scaler?.process.output().slice(-4000)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kks-e2e-operator-'));
  cluster = await startCluster(dir);
  await prepare(cluster, [KEDA_NAMESPACE, NAMESPACE]);
  await cluster.kubectl('apply', '--server-side', '--force-conflicts', '-f', join(BIN, 'keda-crds'));
  await cluster.kubectl('wait', '--for', 'condition=Established', '--timeout', '60s', '-f', join(BIN, 'keda-crds'));
  await cluster.kubectl('apply', '-f', 'manifests/base/clustertriggerauthentication.yaml');

  const secrets = certificateSecrets();
  for (const secret of [secrets.ca, secrets.server, secrets.client]) {
    const created = await cluster.api('POST', `/api/v1/namespaces/${KEDA_NAMESPACE}/secrets`, secret);
    expect(created.status).toBe(201);
  }
  replicas = [await startReplica({ seed: 1 }), await startReplica({ seed: 2 })];
  const targets = join(dir, 'targets.yaml');
  const workspaces = replicas.map((replica) => `127.0.0.1:${replica.port}`);
  await writeFile(targets, stringify({ inferenceSets: [NAME, COMPOSITE].map((name) => ({ namespace: NAMESPACE, name, workspaces })) }));
  scaler = await startScaler(dir, secrets.server, ['--targets', targets]);
  const scalerHost = `${SCALER_SERVICE}.${KEDA_NAMESPACE}.svc.cluster.local`;
  const scalerPort = scaler.grpcAddress.split(':')[1]!;

  const object = inferenceSet(NAME, NAMESPACE, { [ANNOTATIONS.threshold]: '10', [ANNOTATIONS.maxReplicas]: '4' });
  expect((await cluster.api('POST', `/apis/kaito.sh/v1beta1/namespaces/${NAMESPACE}/inferencesets`, object)).status).toBe(201);
  sent = renderedScaledObject(object, { scalerAddress: `${scalerHost}:${scalerPort}` });
  operator = await startOperator(dir, cluster.kubeconfig, [scalerHost], secrets.server.data);
  const created = await cluster.api('POST', `/apis/keda.sh/v1alpha1/namespaces/${NAMESPACE}/scaledobjects?fieldValidation=Strict`, sent);
  expect(created.status).toBe(201);

  const composite = inferenceSet(COMPOSITE, NAMESPACE, {
    [ANNOTATIONS.maxReplicas]: '4',
    'scaledobject.kaito.sh/combinepolicy': 'OR',
    'scaledobject.kaito.sh/metrics': stringify([
      { name: 'vllm:num_requests_waiting', type: 'gauge', upthreshold: 10, downthreshold: 2 },
      { name: 'vllm:request_queue_time_seconds', type: 'histogram', upthreshold: 1, downthreshold: 0.3, metriccachewindow: 30 },
    ]),
  });
  expect((await cluster.api('POST', `/apis/kaito.sh/v1beta1/namespaces/${NAMESPACE}/inferencesets`, composite)).status).toBe(201);
  sentComposite = renderedScaledObject(composite, { scalerAddress: `${scalerHost}:${scalerPort}` });
  const createdComposite = await cluster.api(
    'POST',
    `/apis/keda.sh/v1alpha1/namespaces/${NAMESPACE}/scaledobjects?fieldValidation=Strict`,
    sentComposite,
  );
  expect(createdComposite.status).toBe(201);
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await scaler?.stop();
  await Promise.all((replicas ?? []).map((replica) => replica.close()));
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The HPA KEDA made for a ScaledObject, once it exists, checked to carry the rendered bounds and
 * behavior: tolerances included (HPAConfigurableTolerance is on from Kubernetes 1.35), plus the
 * API server's default selectPolicy.
 */
async function hpaAsRendered(name: string, rendered: KubeObject): Promise<{ spec: Record<string, unknown> }> {
  await eventually('HPA created', async () => (await get(hpaPath(name))) !== undefined, 60_000);
  const hpa = (await get(hpaPath(name))) as { spec: Record<string, unknown> };
  const spec = rendered.spec as {
    minReplicaCount: number;
    maxReplicaCount: number;
    advanced: { horizontalPodAutoscalerConfig: { behavior: Record<'scaleUp' | 'scaleDown', Record<string, unknown>> } };
  };
  const { scaleUp, scaleDown } = spec.advanced.horizontalPodAutoscalerConfig.behavior;
  expect(hpa.spec['minReplicas']).toBe(spec.minReplicaCount);
  expect(hpa.spec['maxReplicas']).toBe(spec.maxReplicaCount);
  const defaulted = { selectPolicy: 'Max' };
  expect(hpa.spec['behavior']).toEqual({ scaleUp: { ...scaleUp, ...defaulted }, scaleDown: { ...scaleDown, ...defaulted } });
  return hpa;
}

describe("KEDA's operator with the rendered ScaledObject", () => {
  it('marks it Ready', async () => {
    await eventually('Ready condition True', async () => (await condition('Ready'))?.status === 'True', 120_000).catch((error: Error) => {
      throw new Error(`${error.message}${diagnose()}`);
    });
  }, 150_000);

  it('creates the HPA with the metric, bounds and behavior we rendered', async () => {
    const hpa = await hpaAsRendered(NAME, sent);
    expect(hpa.spec['scaleTargetRef']).toEqual({ apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: NAME });
    expect(hpa.spec['metrics']).toEqual([
      {
        type: 'External',
        external: {
          metric: {
            name: 's0-kaito-team-a-phi-4-mini-vllm-num-requests-waiting',
            selector: { matchLabels: { 'scaledobject.keda.sh/name': NAME } },
          },
          target: { type: 'AverageValue', averageValue: '10' },
        },
      },
    ]);
  }, 90_000);

  it("reaches the scaler over mTLS with the ClusterTriggerAuthentication's credentials: Active when requests wait", async () => {
    for (const replica of replicas) replica.advance(1, { waiting: 4, running: 1 });
    await eventually('Active condition True', async () => (await condition('Active'))?.status === 'True', 90_000).catch((error: Error) => {
      throw new Error(`${error.message}${diagnose()}`);
    });
  }, 120_000);
});

describe("KEDA's operator with a rendered composite ScaledObject", () => {
  it('marks it Ready: KEDA compiles the formula and reaches every trigger', async () => {
    await eventually('Ready condition True', async () => (await condition('Ready', COMPOSITE))?.status === 'True', 120_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}\n${JSON.stringify(await conditions(COMPOSITE))}${diagnose()}`);
      },
    );
  }, 150_000);

  it("creates the HPA with the formula's one metric, target 1 as a Value, and the rendered bounds and behavior", async () => {
    const hpa = await hpaAsRendered(COMPOSITE, sentComposite);
    // KEDA's composite metric (apis/keda/v1alpha1 CompositeMetricName) replaces the triggers' own.
    expect(hpa.spec['metrics']).toEqual([
      {
        type: 'External',
        external: {
          metric: { name: 'composite-metric', selector: { matchLabels: { 'scaledobject.keda.sh/name': COMPOSITE } } },
          target: { type: 'Value', value: '1' },
        },
      },
    ]);
  }, 90_000);
});
