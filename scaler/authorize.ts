import { fail, ok, type Result } from '../lib/result.js';
import { untrusted } from '../lib/text.js';

/** The longest namespace name Kubernetes allows. */
const MAX_NAMESPACE = 63;

/** What authorization needs to know about the InferenceSet a trigger reads. */
export interface ReadableBy {
  readonly namespace: string;
  readonly name: string;
  /** Namespaces besides its own whose ScaledObjects may read it; `*` admits any. */
  readonly allowedNamespaces: readonly string[];
}

/**
 * A ScaledObject may read the load of an InferenceSet in its own namespace, or of one
 * whose allowed namespaces name the ScaledObject's namespace (or `*`). A tenant cannot
 * read another namespace's load by writing its name into trigger metadata.
 */
export function authorize(callerNamespace: string, target: ReadableBy): Result<void> {
  if (callerNamespace === target.namespace) return ok(undefined);
  if (callerNamespace !== '' && target.allowedNamespaces.some((allowed) => allowed === '*' || allowed === callerNamespace)) {
    return ok(undefined);
  }
  // The caller's namespace is whatever the caller sent: quoted cut, so the answer stays small.
  const shown = untrusted(callerNamespace, MAX_NAMESPACE);
  const who = callerNamespace === '' ? 'a ScaledObject without a namespace' : `ScaledObjects in namespace "${shown}"`;
  return fail(
    'NamespaceNotAllowed',
    `${who} may not read InferenceSet ${target.namespace}/${target.name}: ` +
      `add "${callerNamespace === '' ? '<namespace>' : shown}" to its annotation scaledobject.kaito.sh/allowed-namespaces ` +
      "(or allowedNamespaces in the targets file), or put the ScaledObject in the InferenceSet's namespace",
  );
}
