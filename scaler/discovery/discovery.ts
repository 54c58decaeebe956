/**
 * Where the scaler learns which replicas an InferenceSet has: from the Kubernetes API
 * (informer caches of InferenceSets and Workspaces) or from a static targets file.
 * Lookups are synchronous reads of a cache, never an API call per RPC.
 */
export interface Workspace {
  readonly name: string;
  /**
   * `host:port` that replaces `<name>.<namespace>.svc.cluster.local:<metricPort>`
   * (static targets); absent for Workspaces discovered from the cluster.
   */
  readonly address?: string;
}

export interface InferenceSetView {
  readonly namespace: string;
  readonly name: string;
  /** Namespaces besides the InferenceSet's own whose ScaledObjects may read it; `*` admits any. */
  readonly allowedNamespaces: readonly string[];
  /** The replicas, without those being deleted. */
  readonly workspaces: readonly Workspace[];
  /**
   * `spec.replicas`: how many replicas KAITO is asked for. During a surge upgrade there is
   * one Workspace more until the new one is Ready. Absent for static targets.
   */
  readonly replicas?: number;
}

export interface Discovery {
  /** True once the caches are synced (or the targets file is loaded); the scaler is not ready before. */
  ready(): boolean;
  /** Why not ready, for `/readyz` and logs; undefined when ready. */
  notReadyReason(): string | undefined;
  lookup(namespace: string, name: string): InferenceSetView | undefined;
  stop(): Promise<void>;
}
