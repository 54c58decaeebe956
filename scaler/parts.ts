import { fail, ok } from '../lib/result.js';
import type { ScalerParts } from './start.js';
import { startStaticDiscovery } from './discovery/static.js';
import { createCore } from './core.js';

/** The scaler's own core, and discovery from `--targets` or else the Kubernetes API. */
export const realParts: ScalerParts = {
  createCore,
  async startDiscovery({ targets, kubeconfig, registry, log }) {
    if (targets) return startStaticDiscovery({ file: targets, log });
    // Loaded only here: a scaler with a targets file never pays for the Kubernetes client.
    const { startKubernetesDiscovery } = await import('./discovery/kubernetes.js');
    try {
      return ok(startKubernetesDiscovery({ ...(kubeconfig && { kubeconfig }), log, registry }));
    } catch (error) {
      return fail('NoKubeconfig', (error as Error).message);
    }
  },
};
