import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReplica, type Replica } from '../../dev/vllm-replica.js';
import type { KubeObject } from '../../hooks/objects.js';
import { stringify } from 'yaml';
import { ANNOTATIONS } from '../../schemas/annotations.js';
import { runJson } from './support/go.js';
import {
  certificateSecrets,
  clusterTriggerAuthentication,
  inferenceSet,
  KEDA_NAMESPACE,
  RENDER,
  renderedScaledObject,
} from './support/rendered.js';
import { startScaler, type ScalerProcess } from './support/scaler.js';

/**
 * KEDA's own external scaler client (the code its operator and metrics adapter run, from
 * the KEDA module pinned in test/e2e/keda/go.mod) against the built scaler over mTLS. Its
 * credentials come from the manifests' ClusterTriggerAuthentication through KEDA's
 * resolver, reading the Secrets the certificates hook renders; the ScaledObject is what
 * the sync hook renders.
 */

interface Poll {
  readonly values: number[];
  readonly names: string[];
  readonly active: boolean;
  readonly error?: string;
}

interface TriggerSeen {
  readonly name: string;
  readonly authParams: string[] | null;
  readonly error?: string;
  readonly metricSpecs: Array<{ name: string; targetType: string; averageValue?: string; value?: string }> | null;
  readonly polls: Record<string, Poll[]>;
  readonly logged: string[] | null;
}

const NAMESPACE = 'team-a';
let dir: string;
let replicas: Replica[];
let scaler: ScalerProcess;
let secrets: ReturnType<typeof certificateSecrets>;

/** What KEDA sees of each trigger of `scaledObject`, asking `polls` times per metric. */
async function kedaSees(scaledObject: KubeObject, clientSecret = secrets.client, polls = 1): Promise<TriggerSeen[]> {
  const answer = await runJson<{ triggers: TriggerSeen[] }>('keda', ['external'], {
    clusterObjectNamespace: KEDA_NAMESPACE,
    objects: [clusterTriggerAuthentication(), secrets.ca, secrets.server, clientSecret],
    scaledObject,
    resolve: { [RENDER.scalerAddress]: scaler.grpcAddress },
    polls,
  });
  return answer.triggers;
}

const load = (waiting: readonly number[]) => waiting.forEach((count, index) => replicas[index]!.advance(1, { waiting: count, running: 1 }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kks-e2e-external-'));
  secrets = certificateSecrets();
  replicas = [await startReplica({ seed: 1 }), await startReplica({ seed: 2 })];
  const targets = join(dir, 'targets.yaml');
  const workspaces = replicas.map((replica) => `127.0.0.1:${replica.port}`);
  await writeFile(
    targets,
    stringify({
      inferenceSets: [
        { namespace: NAMESPACE, name: 'phi-4-mini', workspaces },
        { namespace: 'team-b', name: 'private', workspaces: workspaces.slice(0, 1) },
      ],
    }),
  );
  scaler = await startScaler(dir, secrets.server, ['--targets', targets]);
}, 60_000);

afterAll(async () => {
  await scaler?.stop();
  await Promise.all((replicas ?? []).map((replica) => replica.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the single-threshold trigger the sync hook renders', () => {
  const scaledObject = () =>
    renderedScaledObject(inferenceSet('phi-4-mini', NAMESPACE, { [ANNOTATIONS.threshold]: '10', [ANNOTATIONS.maxReplicas]: '4' }));
  const METRIC = 's0-kaito-team-a-phi-4-mini-vllm-num-requests-waiting';

  it('gets its three credentials from the ClusterTriggerAuthentication and the client Secret', async () => {
    const [trigger] = await kedaSees(scaledObject());
    expect([...(trigger?.authParams ?? [])].sort()).toEqual(['caCert', 'tlsClientCert', 'tlsClientKey']);
  });

  it('gives the HPA one AverageValue metric: KEDA\'s s0- prefix on the scaler\'s name, the threshold as target', async () => {
    const [trigger] = await kedaSees(scaledObject());
    expect(trigger?.error).toBeUndefined();
    expect(trigger?.metricSpecs).toEqual([{ name: METRIC, targetType: 'AverageValue', averageValue: '10' }]);
  });

  it.each([
    { waiting: [3, 9], value: 12, active: true },
    { waiting: [0, 1], value: 1, active: true },
    { waiting: [0, 0], value: 0, active: false },
  ])('reads the waiting requests summed over replicas $waiting as $value, active $active', async ({ waiting, value, active }) => {
    load(waiting);
    const [trigger] = await kedaSees(scaledObject());
    expect(trigger?.polls[METRIC]).toEqual([{ values: [value], names: [METRIC], active }]);
  });

  it('answers every poll alike on the connection KEDA keeps in its pool', async () => {
    load([2, 2]);
    const [trigger] = await kedaSees(scaledObject(), secrets.client, 3);
    expect(trigger?.polls[METRIC]?.map((poll) => poll.values)).toEqual([[4], [4], [4]]);
  });
});

describe('what KEDA is refused', () => {
  it('a client certificate from another CA: the TLS handshake fails and the HPA gets no metric', async () => {
    const foreign = certificateSecrets().client;
    const [trigger] = await kedaSees(
      renderedScaledObject(inferenceSet('phi-4-mini', NAMESPACE, { [ANNOTATIONS.threshold]: '10', [ANNOTATIONS.maxReplicas]: '4' })),
      foreign,
    );
    expect(trigger?.metricSpecs).toBeNull();
    expect(trigger?.logged?.join('\n')).toMatch(/certificate|handshake|authority/i);
  });

  it('an InferenceSet of another namespace that does not allow this one: every poll fails, the scaler says why', async () => {
    const scaledObject = renderedScaledObject(
      inferenceSet('phi-4-mini', NAMESPACE, { [ANNOTATIONS.threshold]: '10', [ANNOTATIONS.maxReplicas]: '4' }),
    );
    const trigger = (scaledObject.spec as { triggers: Array<{ metadata: Record<string, string> }> }).triggers[0]!;
    trigger.metadata['inferenceSetNamespace'] = 'team-b';
    trigger.metadata['inferenceSetName'] = 'private';
    const [seen] = await kedaSees(scaledObject);
    const metric = 's0-kaito-team-b-private-vllm-num-requests-waiting';
    // The spec names the metric from the metadata alone; the load is what is guarded.
    expect(seen?.metricSpecs?.map((spec) => spec.name)).toEqual([metric]);
    expect(seen?.polls[metric]).toEqual([
      { values: [], names: [], active: false, error: expect.stringMatching(/PermissionDenied.*may not read InferenceSet team-b\/private/) },
    ]);
  });
});
