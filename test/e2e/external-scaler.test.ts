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

const load = (waiting: readonly number[]) => {
  for (const [index, count] of waiting.entries()) replicas[index]!.advance(1, { waiting: count, running: 1 });
};

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
  // Samples every second, so that the composite triggers' windows fill within seconds.
  scaler = await startScaler(dir, secrets.server, ['--targets', targets, '--sample-interval', '1']);
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

  it("gives the HPA one AverageValue metric: KEDA's s0- prefix on the scaler's name, the threshold as target", async () => {
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

/** The sum over a replica's page of every series of `sample` (e.g. a histogram's `_sum`). */
async function pageTotal(replica: Replica, sample: string): Promise<number> {
  const page = await (await fetch(replica.url)).text();
  const pattern = new RegExp(`^${sample}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  return [...page.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
}

/** What each replica's page says of a histogram and a counter now. */
const readPages = () =>
  Promise.all(
    replicas.map(async (replica) => ({
      queueSum: await pageTotal(replica, 'vllm:request_queue_time_seconds_sum'),
      queueCount: await pageTotal(replica, 'vllm:request_queue_time_seconds_count'),
      tokens: await pageTotal(replica, 'vllm:generation_tokens_total'),
    })),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the composite triggers the sync hook renders', () => {
  // Windows of 10 s, sampled every second: the scaler has a reading once its samples span
  // 80 % of one (8 s), and answers the neutral value (up + down) / 2 before that.
  const WINDOW_S = 10;
  const scaledObject = () =>
    renderedScaledObject(
      inferenceSet('phi-4-mini', NAMESPACE, {
        [ANNOTATIONS.maxReplicas]: '4',
        'scaledobject.kaito.sh/combinepolicy': 'OR',
        'scaledobject.kaito.sh/metrics': stringify([
          { name: 'vllm:num_requests_waiting', type: 'gauge', upthreshold: 10, downthreshold: 2 },
          { name: 'vllm:request_queue_time_seconds', type: 'histogram', upthreshold: 1, downthreshold: 0.3, metriccachewindow: WINDOW_S },
          { name: 'vllm:generation_tokens_total', type: 'counter', upthreshold: 500, downthreshold: 50, metriccachewindow: WINDOW_S },
          {
            name: 'vllm:time_to_first_token_seconds',
            type: 'histogram',
            aggregation: 'percentile',
            quantile: 0.9,
            upthreshold: 2,
            downthreshold: 0.2,
            metriccachewindow: WINDOW_S,
          },
        ]),
      }),
    );
  const METRICS = {
    waiting: 's0-kaito-team-a-phi-4-mini-vllm-num-requests-waiting',
    queueTime: 's1-kaito-team-a-phi-4-mini-vllm-request-queue-time-seconds',
    tokens: 's2-kaito-team-a-phi-4-mini-vllm-generation-tokens-total',
    ttft: 's3-kaito-team-a-phi-4-mini-vllm-time-to-first-token-seconds',
    gate: 's4-kaito-team-a-phi-4-mini-readiness-gate',
  };
  /** Each trigger's one poll, by metric name. */
  const polls = async () => {
    const seen = await kedaSees(scaledObject());
    for (const trigger of seen) expect(trigger.error).toBeUndefined();
    return Object.fromEntries(seen.flatMap((trigger) => Object.entries(trigger.polls).map(([name, [poll]]) => [name, poll])));
  };
  const value = (poll: Poll | undefined) => poll?.values[0];

  // Each trigger's own target is 1 (no `threshold` in its metadata); the HPA gets the
  // formula's metric and its target instead (scalingModifiers).
  it('gets the credentials for every trigger and gives one Value metric per trigger, target 1', async () => {
    const seen = await kedaSees(scaledObject());
    expect(seen.map((trigger) => [...(trigger.authParams ?? [])].sort())).toEqual(
      Array(5).fill(['caCert', 'tlsClientCert', 'tlsClientKey']),
    );
    expect(seen.map((trigger) => trigger.metricSpecs)).toEqual(
      Object.values(METRICS).map((name) => [{ name, targetType: 'Value', value: '1' }]),
    );
  });

  it("reads the gauge's service-avg, the gate open and, while the windows warm up, the neutral value of each", async () => {
    load([4, 8]);
    const seen = await polls();
    expect(seen).toEqual({
      [METRICS.waiting]: { values: [6], names: [METRICS.waiting], active: true },
      [METRICS.queueTime]: { values: [0.65], names: [METRICS.queueTime], active: true },
      [METRICS.tokens]: { values: [275], names: [METRICS.tokens], active: true },
      [METRICS.ttft]: { values: [1.1], names: [METRICS.ttft], active: true },
      [METRICS.gate]: { values: [1], names: [METRICS.gate], active: true },
    });
  });

  it("reads the histogram's windowed-avg and the counter's rate once the window is full", async () => {
    // Waits for the samples of all three to span the window (about 8 s; 40 s at most; each
    // metric is sampled at a phase of its own): no load since, so nothing was observed.
    const deadline = Date.now() + 40_000;
    const warming = (seen: Record<string, Poll | undefined>) =>
      value(seen[METRICS.queueTime]) === 0.65 || value(seen[METRICS.tokens]) === 275 || value(seen[METRICS.ttft]) === 1.1;
    let seen = await polls();
    while (warming(seen) && Date.now() < deadline) {
      await sleep(1000);
      seen = await polls();
    }
    expect(seen[METRICS.queueTime]).toEqual({ values: [0], names: [METRICS.queueTime], active: false });
    expect(seen[METRICS.tokens]).toEqual({ values: [0], names: [METRICS.tokens], active: false });
    // Fewer observations than the percentile's minSamples: 0, not a guess.
    expect(seen[METRICS.ttft]).toEqual({ values: [0], names: [METRICS.ttft], active: false });

    // A burst, then two samples of it: the window holds the pages before and after.
    const before = await readPages();
    // Five simulated seconds of a batch of 16: ten requests finish on each replica.
    for (const [index, waiting] of [20, 30].entries()) replicas[index]!.advance(5, { waiting, running: 16 });
    const after = await readPages();
    await sleep(2500);
    seen = await polls();
    const delta = (key: 'queueSum' | 'queueCount' | 'tokens') => after.map((page, index) => page[key] - before[index]![key]);
    const sum = (values: number[]) => values.reduce((total, each) => total + each, 0);
    expect(sum(delta('queueCount'))).toBeGreaterThan(0);
    // KEDA hands the HPA and the formula every value rounded to thousandths (GenerateMetricInMili).
    expect(value(seen[METRICS.queueTime])).toBeCloseTo(sum(delta('queueSum')) / sum(delta('queueCount')), 3);
    expect(value(seen[METRICS.waiting])).toBe(25);
    // Per replica, the increase over the time between its first and newest sample of the
    // window: at least the window less the newest sample's age, at most the window plus one interval.
    const tokens = sum(delta('tokens')) / replicas.length;
    expect(tokens).toBeGreaterThan(0);
    expect(value(seen[METRICS.tokens])).toBeGreaterThanOrEqual(tokens / (WINDOW_S + 2));
    expect(value(seen[METRICS.tokens])).toBeLessThanOrEqual(tokens / (WINDOW_S - 2));
    expect(seen[METRICS.gate]).toEqual({ values: [1], names: [METRICS.gate], active: true });
  }, 90_000);

  it('closes the gate when a replica stops answering', async () => {
    replicas[1]!.setReachable(false);
    try {
      await sleep(2500);
      const seen = await polls();
      expect(seen[METRICS.gate]).toEqual({ values: [0], names: [METRICS.gate], active: false });
    } finally {
      replicas[1]!.setReachable(true);
    }
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
