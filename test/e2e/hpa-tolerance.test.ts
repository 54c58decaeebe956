import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANNOTATIONS } from '../../schemas/annotations.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { inferenceSet, renderedScaledObject } from './support/rendered.js';

/**
 * KEDA copies the rendered `horizontalPodAutoscalerConfig.behavior` into the HPA. Its
 * `tolerance` fields belong to the HPAConfigurableTolerance feature, alpha (off) in
 * Kubernetes 1.33 and 1.34 and beta (on) from 1.35: an older API server drops them from the
 * HPA without an error or a warning, even under strict field validation, and the HPA then
 * uses the controller-wide tolerance (0.1 by default) both ways. The API server is run as
 * each release with --emulated-version.
 */

let cluster: Cluster | undefined;
let dir: string | undefined;

afterEach(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  cluster = undefined;
});

describe.each([
  { release: '1.35', kept: true },
  { release: '1.34', kept: false },
])('an HPA with the rendered behavior on a Kubernetes $release API server', ({ release, kept }) => {
  it(kept ? 'keeps both tolerances' : 'drops both tolerances silently', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kks-e2e-tolerance-'));
    cluster = await startCluster(dir, [`--emulated-version=kube=${release}`]);
    const annotations = { [ANNOTATIONS.threshold]: '10', [ANNOTATIONS.maxReplicas]: '4' };
    const { spec } = renderedScaledObject(inferenceSet('phi-4-mini', 'default', annotations)) as unknown as {
      spec: { advanced: { horizontalPodAutoscalerConfig: { behavior: Record<string, Record<string, unknown>> } } };
    };
    const behavior = spec.advanced.horizontalPodAutoscalerConfig.behavior;
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'keda-hpa-phi-4-mini', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', name: 'phi-4-mini' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'External', external: { metric: { name: 's0-m' }, target: { type: 'AverageValue', averageValue: '10' } } }],
        behavior,
      },
    };
    const path = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers?fieldValidation=Strict';
    const created = await cluster.api('POST', path, hpa);
    expect(created.status).toBe(201);
    const stored = (created.body as { spec: { behavior: Record<string, Record<string, unknown>> } }).spec.behavior;
    expect([stored['scaleUp']?.['tolerance'], stored['scaleDown']?.['tolerance']]).toEqual(
      kept ? [behavior['scaleUp']?.['tolerance'], behavior['scaleDown']?.['tolerance']] : [undefined, undefined],
    );
  }, 180_000);
});
