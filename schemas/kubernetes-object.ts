/**
 * The part of a Kubernetes object the scaler reads from the API server (InferenceSets and
 * Workspaces): their metadata. Everything else in the object is ignored and not kept.
 */
const stringMap = {
  type: 'object',
  additionalProperties: { type: 'string', description: 'values of labels and annotations are strings' },
  description: 'a map of strings to strings',
} as const;

export const kubernetesObjectSchema = {
  type: 'object',
  required: ['metadata'],
  'x-reason': 'MalformedObject',
  description: 'a Kubernetes object with metadata',
  properties: {
    metadata: {
      type: 'object',
      required: ['name', 'namespace'],
      description: 'object metadata with a name and a namespace',
      properties: {
        name: { type: 'string', minLength: 1, description: 'a non-empty name' },
        namespace: { type: 'string', minLength: 1, description: 'a non-empty namespace (the resource is namespaced)' },
        resourceVersion: { type: 'string', description: 'an opaque string' },
        labels: stringMap,
        annotations: stringMap,
        deletionTimestamp: { type: 'string', description: 'an RFC 3339 time' },
      },
    },
  },
} as const;

export interface KubernetesObjectMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
}

export interface KubernetesObjectMetadataOnly {
  readonly metadata: KubernetesObjectMetadata;
}
