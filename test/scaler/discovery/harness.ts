import { Registry } from 'prom-client';
import { ANNOTATIONS, WORKSPACE_LABEL } from '../../../schemas/annotations.js';
import type { Discovery } from '../../../scaler/discovery/discovery.js';
import { startKubernetesDiscovery, type DiscoveryTiming } from '../../../scaler/discovery/kubernetes.js';
import {
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
  type KubeObject,
} from '../../../bench/support/fake-api-server.js';
import { captureLog, type CapturedLog } from '../helpers.js';

/** Short retries and small list pages, so that tests exercise paging and recover in milliseconds. */
export const FAST: Partial<DiscoveryTiming> = {
  retry: { initialMs: 20, maxMs: 200 },
  requestTimeoutMs: 2000,
  watchTimeoutSeconds: 60,
  minWatchIntervalMs: 10,
  pageSize: 3,
  random: () => 0.5,
};

/** An InferenceSet as KAITO stores it: a spec and status the cache must not keep. */
export function inferenceSet(namespace: string, name: string, allowedNamespaces?: string): KubeObject {
  return {
    metadata: {
      namespace,
      name,
      annotations: {
        'scaledobject.kaito.sh/auto-provision': 'true',
        'scaledobject.kaito.sh/threshold': '10',
        ...(allowedNamespaces === undefined ? {} : { [ANNOTATIONS.allowedNamespaces]: allowedNamespaces }),
      },
    },
    spec: { replicas: 2, nodeCountLimit: 4, template: { inference: { preset: { name: 'phi-4-mini-instruct' } } } },
    status: { replicas: 2, readyReplicas: 2 },
  };
}

export function workspace(namespace: string, name: string, owner?: string, deleting = false): KubeObject {
  return {
    metadata: {
      namespace,
      name,
      labels: { 'app.kubernetes.io/managed-by': 'kaito', ...(owner === undefined ? {} : { [WORKSPACE_LABEL]: owner }) },
      ...(deleting ? { deletionTimestamp: '2025-06-01T12:00:00Z', finalizers: ['workspace.finalizer.kaito.sh'] } : {}),
    },
    resource: { count: 1, instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: owner ?? name } } },
    inference: { preset: { name: 'phi-4-mini-instruct' } },
    status: { conditions: [{ type: 'WorkspaceSucceeded', status: 'True' }] },
  };
}

export const IS = 'inferencesets.kaito.sh';
export const WS = 'workspaces.kaito.sh';

/** Names of the Workspaces a lookup returns, or undefined for an unknown InferenceSet. */
export function targets(discovery: Discovery, namespace: string, name: string): string[] | undefined {
  return discovery.lookup(namespace, name)?.workspaces.map((member) => member.name);
}

export interface Harness {
  readonly fake: FakeApiServer;
  readonly discovery: Discovery;
  readonly logs: CapturedLog;
  readonly registry: Registry;
}

/** Starts a fake API server (seeded by `seed`) and discovery against it; `stop` ends both. */
export class Setup {
  private readonly running: Array<() => Promise<void>> = [];

  async fake(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const fake = await startFakeApiServer(options);
    this.running.push(() => fake.close());
    return fake;
  }

  discovery(fake: FakeApiServer, timing: Partial<DiscoveryTiming> = FAST, kubeconfig = fake.kubeconfigPath): Omit<Harness, 'fake'> {
    const logs = captureLog();
    const registry = new Registry();
    const discovery = startKubernetesDiscovery({ kubeconfig, log: logs.log, registry, timing });
    this.running.unshift(() => discovery.stop());
    return { discovery, logs, registry };
  }

  async start(
    options: FakeApiServerOptions = {},
    seed: (fake: FakeApiServer) => void = () => {},
    timing: Partial<DiscoveryTiming> = FAST,
  ): Promise<Harness> {
    const fake = await this.fake(options);
    seed(fake);
    return { fake, ...this.discovery(fake, timing) };
  }

  async stop(): Promise<void> {
    const running = this.running.splice(0);
    for (const stop of running) await stop();
  }
}
