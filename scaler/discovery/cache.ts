import { ok, type Result } from '../../lib/result.js';
import { ANNOTATIONS, WORKSPACE_LABEL } from '../../schemas/annotations.js';
import { compile } from '../../schemas/compile.js';
import {
  kubernetesObjectSchema,
  type KubernetesObjectMetadata,
  type KubernetesObjectMetadataOnly,
} from '../../schemas/kubernetes-object.js';
import type { InferenceSetView, Replicas, Workspace } from './discovery.js';

export type Kind = 'InferenceSet' | 'Workspace';

/**
 * What the caches keep of an object: its name, namespace, resourceVersion (the informer
 * compares it), whether it is being deleted, and only the one label or annotation the
 * scaler reads. Specs and statuses are dropped as soon as an object arrives, so that
 * thousands of Workspaces cost a few hundred bytes each.
 */
export interface SlimObject {
  readonly metadata: Omit<KubernetesObjectMetadata, 'deletionTimestamp'>;
  /** `metadata.deletionTimestamp` is set: the object is going away. */
  readonly deleting?: true;
  /** InferenceSets only. */
  readonly replicas?: Replicas;
}

const validateObject = compile<KubernetesObjectMetadataOnly>(kubernetesObjectSchema, {
  reason: 'MalformedObject',
  describe: (path) => (path === '' ? 'object' : `field "${path}"`),
});

export function slimObject(kind: Kind, raw: unknown): Result<SlimObject> {
  const valid = validateObject(raw);
  if (!valid.ok) return valid;
  const { name, namespace, resourceVersion, labels, annotations, deletionTimestamp } = valid.value.metadata;
  const metadata: { -readonly [K in keyof SlimObject['metadata']]: SlimObject['metadata'][K] } = { name, namespace };
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  if (kind === 'Workspace') {
    const owner = labels?.[WORKSPACE_LABEL];
    if (owner !== undefined) metadata.labels = { [WORKSPACE_LABEL]: owner };
  } else {
    const allowed = annotations?.[ANNOTATIONS.allowedNamespaces];
    if (allowed !== undefined) metadata.annotations = { [ANNOTATIONS.allowedNamespaces]: allowed };
    const replicas = replicasOf(raw as { spec?: { replicas?: unknown }; status?: { readyReplicas?: unknown } });
    return ok(deletionTimestamp === undefined ? { metadata, replicas } : { metadata, deleting: true, replicas });
  }
  return ok(deletionTimestamp === undefined ? { metadata } : { metadata, deleting: true });
}

const count = (value: unknown, absent: number): number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : absent;

/** See `Replicas`: a value that is not a count reads as absent. */
export function replicasOf(object: { spec?: { replicas?: unknown }; status?: { readyReplicas?: unknown } }): Replicas {
  return { desired: count(object.spec?.replicas, 1), ready: count(object.status?.readyReplicas, 0) };
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * `scaledobject.kaito.sh/allowed-namespaces`: a comma-separated list of namespaces, or `*`
 * for any. Whitespace around entries and empty entries are ignored; duplicates collapse.
 */
export function parseAllowedNamespaces(value: string | undefined): readonly string[] {
  if (value === undefined) return NONE;
  const entries = [
    ...new Set(
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
  ];
  return entries.length === 0 ? NONE : Object.freeze(entries);
}

interface WorkspaceEntry {
  /** Key of the InferenceSet it belongs to (`namespace/name`), if labelled. */
  readonly owner: string | undefined;
  readonly deleting: boolean;
}

/**
 * The scaler's view of the cluster, fed by the informers' add/update/delete events and
 * read on every KEDA call. Workspaces are indexed by their InferenceSet, so a lookup costs
 * the number of Workspaces of that set, whatever the size of the cluster.
 */
export interface DiscoveryIndex {
  putInferenceSet(object: SlimObject): void;
  deleteInferenceSet(object: SlimObject): void;
  putWorkspace(object: SlimObject): void;
  deleteWorkspace(object: SlimObject): void;
  /** Forgets the objects of one kind (its informer starts over from a fresh list). */
  clear(kind: Kind): void;
  lookup(namespace: string, name: string): InferenceSetView | undefined;
  size(kind: Kind): number;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function createDiscoveryIndex(): DiscoveryIndex {
  const inferenceSets = new Map<string, { readonly allowedNamespaces: readonly string[]; readonly replicas: Replicas | undefined }>();
  const workspaces = new Map<string, WorkspaceEntry>();
  /** InferenceSet key -> names of the Workspaces labelled with it (same namespace). */
  const members = new Map<string, Set<string>>();

  const unlink = (owner: string | undefined, name: string) => {
    if (owner === undefined) return;
    const names = members.get(owner);
    names?.delete(name);
    if (names?.size === 0) members.delete(owner);
  };

  return {
    putInferenceSet({ metadata, replicas }) {
      const allowedNamespaces = parseAllowedNamespaces(metadata.annotations?.[ANNOTATIONS.allowedNamespaces]);
      inferenceSets.set(keyOf(metadata.namespace, metadata.name), { allowedNamespaces, replicas });
    },
    deleteInferenceSet({ metadata }) {
      inferenceSets.delete(keyOf(metadata.namespace, metadata.name));
    },
    putWorkspace({ metadata, deleting }) {
      const key = keyOf(metadata.namespace, metadata.name);
      const label = metadata.labels?.[WORKSPACE_LABEL];
      const owner = label === undefined || label === '' ? undefined : keyOf(metadata.namespace, label);
      const previous = workspaces.get(key);
      if (previous && previous.owner !== owner) unlink(previous.owner, metadata.name);
      workspaces.set(key, { owner, deleting: deleting === true });
      if (owner === undefined) return;
      let names = members.get(owner);
      if (!names) {
        names = new Set();
        members.set(owner, names);
      }
      names.add(metadata.name);
    },
    deleteWorkspace({ metadata }) {
      const key = keyOf(metadata.namespace, metadata.name);
      const previous = workspaces.get(key);
      if (!previous) return;
      workspaces.delete(key);
      unlink(previous.owner, metadata.name);
    },
    clear(kind) {
      if (kind === 'InferenceSet') {
        inferenceSets.clear();
      } else {
        workspaces.clear();
        members.clear();
      }
    },
    lookup(namespace, name) {
      const key = keyOf(namespace, name);
      const entry = inferenceSets.get(key);
      if (entry === undefined) return undefined;
      const targets: Workspace[] = [];
      for (const member of members.get(key) ?? []) {
        if (!workspaces.get(keyOf(namespace, member))?.deleting) targets.push({ name: member });
      }
      targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const view = { namespace, name, allowedNamespaces: entry.allowedNamespaces, workspaces: targets };
      return entry.replicas === undefined ? view : { ...view, replicas: entry.replicas };
    },
    size(kind) {
      return kind === 'InferenceSet' ? inferenceSets.size : workspaces.size;
    },
  };
}
