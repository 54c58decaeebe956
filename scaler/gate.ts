import type { InferenceSetView } from './discovery/discovery.js';

export interface GateReading {
  /** 1: every replica is ready, scale-up may proceed; 0: hold. */
  readonly value: 0 | 1;
  readonly explanation: string;
}

/**
 * The readiness gate (`aggregation: gate`): no scale-up while replicas are still starting.
 * From the InferenceSet when discovery reads the cluster (`status.readyReplicas >=
 * spec.replicas`); with static targets, which say nothing of readiness, open when every
 * target answered its last scrape (one never scraped has not answered). No scrape of its own.
 *
 * @param answered whether the replica at a `host:port` answered its last scrape, undefined
 *   when it was never scraped.
 */
export function gate(view: InferenceSetView, answered: (authority: string) => boolean | undefined): GateReading {
  if (view.replicas !== undefined) {
    const { desired, ready } = view.replicas;
    return ready >= desired
      ? { value: 1, explanation: `${ready} of ${desired} replicas ready` }
      : { value: 0, explanation: `${ready} of ${desired} replicas ready: closed until every replica is ready` };
  }
  const silent = view.workspaces.filter((workspace) => answered(workspace.address ?? workspace.name) !== true);
  if (view.workspaces.length === 0) return { value: 0, explanation: 'no replicas: closed' };
  if (silent.length === 0) return { value: 1, explanation: `all ${view.workspaces.length} targets answered their last scrape` };
  const names = silent
    .slice(0, 5)
    .map((workspace) => workspace.address ?? workspace.name)
    .join(', ');
  return {
    value: 0,
    explanation: `${silent.length} of ${view.workspaces.length} targets did not answer their last scrape (${names}): closed`,
  };
}
