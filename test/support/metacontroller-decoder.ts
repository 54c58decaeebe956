import { parseDocument } from 'yaml';

/**
 * How Metacontroller v4.17.2 decodes a hook's 200 answer, as far as our answers go
 * (pkg/hooks/webhook.go: sigs.k8s.io/json UnmarshalStrict, strict for hook version v2):
 * keys are matched case-sensitively, and an unknown or duplicated key fails the sync. The
 * key sets are the JSON tags of the response structs:
 *  - DecoratorController v1 and v2 (pkg/controller/decorator/api/v{1,2}/hooks.go):
 *    labels, annotations, status, attachments, resyncAfterSeconds, finalized;
 *  - CompositeController v2 (pkg/controller/composite/api/v2/hooks.go):
 *    status, children, resyncAfterSeconds, finalized;
 *  - customize (pkg/controller/common/customize/api/v2/hooks.go): relatedResources, each a
 *    RelatedResourceRule (pkg/apis/metacontroller/v1alpha1/types.go): apiVersion, resource,
 *    labelSelector, namespaceSelector, namespace, names; selectors are metav1.LabelSelector
 *    (matchLabels, matchExpressions).
 * Objects in attachments and children are unstructured: any keys, but `kind` is required.
 * A missing or null `attachments`/`children` decodes as an empty list: Metacontroller then
 * deletes every object it manages for that parent.
 */
export type HookShape = 'decorator-v1' | 'decorator-v2' | 'composite-v2' | 'customize';

const DECORATOR = ['labels', 'annotations', 'status', 'attachments', 'resyncAfterSeconds', 'finalized'];
const COMPOSITE = ['status', 'children', 'resyncAfterSeconds', 'finalized'];
const RULE = ['apiVersion', 'resource', 'labelSelector', 'namespaceSelector', 'namespace', 'names'];
const SELECTOR = ['matchLabels', 'matchExpressions'];

const KEYS: Record<HookShape, readonly string[]> = {
  'decorator-v1': DECORATOR,
  'decorator-v2': DECORATOR,
  'composite-v2': COMPOSITE,
  customize: ['relatedResources'],
};

export interface Decoded {
  /** The objects Metacontroller will make exist (attachments or children); [] deletes all. */
  readonly objects: readonly Record<string, unknown>[];
  readonly rules: readonly Record<string, unknown>[];
  readonly resyncAfterSeconds: number;
}

/** Decodes an answer's bytes as Metacontroller does; throws what its sync would fail with. */
export function decodeAnswer(shape: HookShape, body: string): Decoded {
  const document = parseDocument(body, { uniqueKeys: true, version: '1.2' });
  if (document.errors.length > 0) throw new Error(`strict validation failed: ${document.errors[0]?.message}`);
  const answer = document.toJS() as unknown;
  const top = strictObject(answer, KEYS[shape], '(answer)');
  const resync = top['resyncAfterSeconds'];
  if (resync !== undefined && resync !== null && typeof resync !== 'number')
    throw new Error(`resyncAfterSeconds is ${JSON.stringify(resync)}, not a number`);
  const resyncAfterSeconds = typeof resync === 'number' ? resync : 0;
  if (shape === 'customize') {
    const rules = list(top['relatedResources'], 'relatedResources').map((rule, index) => {
      const checked = strictObject(rule, RULE, `relatedResources[${index}]`);
      for (const field of ['labelSelector', 'namespaceSelector']) {
        if (checked[field] !== undefined && checked[field] !== null)
          strictObject(checked[field], SELECTOR, `relatedResources[${index}].${field}`);
      }
      return checked;
    });
    return { objects: [], rules, resyncAfterSeconds };
  }
  const field = shape === 'composite-v2' ? 'children' : 'attachments';
  const objects = list(top[field], field).map((object, index) => {
    if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new Error(`${field}[${index}] is not an object`);
    const kind = (object as Record<string, unknown>)['kind'];
    if (typeof kind !== 'string' || kind === '') throw new Error(`${field}[${index}]: Object 'Kind' is missing`);
    return object as Record<string, unknown>;
  });
  return { objects, rules: [], resyncAfterSeconds };
}

function strictObject(value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path} is not an object`);
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0)
    throw new Error(`strict validation failed: unknown field(s) ${unknown.map((key) => `"${key}"`).join(', ')} in ${path}`);
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${path} is not a list`);
  return value;
}

/**
 * Which related objects a rule selects, as determineSelectionType decides, by Metacontroller
 * release: before v4.15.0 a rule may not combine labelSelector with namespace or names; from
 * v4.15.0 only names with a selector, and namespace with namespaceSelector, are refused.
 */
export function selectionError(rule: Record<string, unknown>, release: 'v4.14' | 'v4.15+'): string | undefined {
  const has = (key: string) => {
    const value = rule[key];
    return (
      value !== undefined && value !== null && !(typeof value === 'string' && value === '') && !(Array.isArray(value) && value.length === 0)
    );
  };
  if (release === 'v4.14') {
    return has('labelSelector') && (has('namespace') || has('names'))
      ? 'related rule cannot have both labelSelector and Namespace/Names'
      : undefined;
  }
  if (has('names') && (has('labelSelector') || has('namespaceSelector')))
    return 'related rule cannot have both names and labelSelector/namespaceSelector';
  if (has('namespace') && has('namespaceSelector')) return 'related rule cannot have both namespace and namespaceSelector';
  return undefined;
}
