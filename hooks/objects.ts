/** The parts of Kubernetes objects the hooks read and write. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string }[];
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/**
 * How Metacontroller groups objects in hook requests (hook version v2):
 * `"<Kind>.<group>/<version>"` -> `"<namespace>/<name>"` -> object.
 */
export type ObjectMap = Readonly<Record<string, Readonly<Record<string, KubeObject>>>>;

/**
 * The objects of one kind and API group, whatever version Metacontroller keyed them by,
 * in a stable order (by namespace/name) so that decisions never depend on map order.
 */
export function objectsOfKind(map: ObjectMap | undefined, kind: string, group: string): KubeObject[] {
  return Object.entries(map ?? {})
    .filter(([key]) => sameKind(key, kind, group))
    .flatMap(([, objects]) =>
      Object.keys(objects)
        .sort()
        .map((key) => objects[key] as KubeObject),
    );
}

/**
 * Related objects of a kind in a namespace that are not attached to the parent: what a
 * DecoratorController never adopts (its Create fails with AlreadyExists and is swallowed).
 */
export function unattached(
  attached: ObjectMap | undefined,
  related: ObjectMap | undefined,
  kind: string,
  group: string,
  namespace: string | undefined,
): KubeObject[] {
  const inNamespace = (object: KubeObject) => object.metadata.namespace === namespace;
  const ours = new Set(
    objectsOfKind(attached, kind, group)
      .filter(inNamespace)
      .map((object) => object.metadata.name),
  );
  return objectsOfKind(related, kind, group).filter((object) => inNamespace(object) && !ours.has(object.metadata.name));
}

/** `Secret.v1` is core; `ScaledObject.keda.sh/v1alpha1` is group keda.sh. */
function sameKind(key: string, kind: string, group: string): boolean {
  const dot = key.indexOf('.');
  if (dot < 0 || key.slice(0, dot) !== kind) return false;
  const rest = key.slice(dot + 1);
  const slash = rest.lastIndexOf('/');
  return (slash < 0 ? '' : rest.slice(0, slash)) === group;
}
