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
  /** From the InferenceSet (Kubernetes discovery only): the readiness gate and the fallback read them. */
  readonly replicas?: Replicas;
}

/**
 * `spec.replicas` (absent = 1, KAITO's default) and `status.readyReplicas` (KAITO omits it
 * while none is ready: absent = 0). Never `status.replicas`, which KAITO sets to the
 * desired count before the replicas exist. During a surge upgrade there is one Workspace
 * more than `desired` until the new one is Ready.
 */
export interface Replicas {
  readonly desired: number;
  readonly ready: number;
}

export interface Discovery {
  /** True once the caches are synced (or the targets file is loaded); the scaler is not ready before. */
  ready(): boolean;
  /** Why not ready, for `/readyz` and logs; undefined when ready. */
  notReadyReason(): string | undefined;
  lookup(namespace: string, name: string): InferenceSetView | undefined;
  stop(): Promise<void>;
}
