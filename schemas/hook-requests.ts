import { compile } from './compile.js';
import { NAMESPACE, OBJECT_NAME } from './patterns.js';

/**
 * The shapes of Metacontroller's hook requests, as far as the hooks read them. Everything
 * else in a request (managedFields, the controller object, unrelated status) is accepted
 * and ignored.
 */
const stringMap = { type: 'object', additionalProperties: { type: 'string', description: 'must be a string' } } as const;

const objectMeta = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, description: 'must be a non-empty object name' },
    namespace: { type: 'string', minLength: 1, maxLength: 63, description: 'must be a non-empty namespace name' },
    labels: { ...stringMap, description: 'must map label keys to string values' },
    annotations: { ...stringMap, description: 'must map annotation keys to string values' },
    ownerReferences: {
      type: 'array',
      description: 'must be a list of owner references',
      items: {
        type: 'object',
        properties: { kind: { type: 'string' }, name: { type: 'string' } },
        description: 'must be an owner reference',
      },
    },
  },
} as const;

const kubeObject = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { type: 'string', minLength: 1, description: 'must be an API version such as kaito.sh/v1beta1' },
    kind: { type: 'string', minLength: 1, description: 'must be a kind' },
    metadata: objectMeta,
    spec: { type: 'object', description: 'must be an object' },
    status: { type: 'object', description: 'must be an object' },
  },
} as const;

const objectMap = {
  type: 'object',
  description: 'must map "<Kind>.<group>/<version>" to objects keyed "<namespace>/<name>"',
  additionalProperties: { type: 'object', additionalProperties: kubeObject },
} as const;

/** A namespaced object of the given kind, as the hook's parent. */
const parentOf = (kind: string, apiVersionPattern: string, example: string) =>
  ({
    ...kubeObject,
    properties: {
      ...kubeObject.properties,
      apiVersion: { type: 'string', pattern: apiVersionPattern, description: `must be an API version of ${kind}s, e.g. ${example}` },
      kind: { const: kind, description: `must be ${kind}: this hook serves ${kind}s` },
      metadata: {
        ...objectMeta,
        required: ['name', 'namespace'],
        // The patterns the scaler checks inferenceSetName and inferenceSetNamespace against.
        properties: {
          ...objectMeta.properties,
          name: {
            type: 'string',
            allOf: [
              objectMeta.properties.name,
              {
                type: 'string',
                pattern: OBJECT_NAME,
                description: 'must be a Kubernetes object name: lower case letters, digits, "-" and "."',
              },
            ],
          },
          namespace: {
            type: 'string',
            allOf: [
              objectMeta.properties.namespace,
              { type: 'string', pattern: NAMESPACE, description: 'must be a namespace name: lower case letters, digits and "-"' },
            ],
          },
        },
      },
    },
  }) as const;

const inferenceSet = parentOf('InferenceSet', '^kaito\\.sh/v[0-9a-z]+$', 'kaito.sh/v1beta1');

const options = { reason: 'InvalidRequest', describe: (path: string) => `request field ${path || '(body)'}` };

export const validateDecoratorSync = compile(
  {
    type: 'object',
    required: ['object'],
    properties: { object: inferenceSet, attachments: objectMap, related: objectMap, finalizing: { type: 'boolean' } },
  },
  options,
);

export const validateCompositeSync = compile(
  {
    type: 'object',
    required: ['parent'],
    properties: { parent: inferenceSet, children: objectMap, related: objectMap, finalizing: { type: 'boolean' } },
  },
  options,
);

export const validateCustomize = compile({ type: 'object', required: ['parent'], properties: { parent: inferenceSet } }, options);

/** For hooks whose parent is another kind (the certificates hook watches a Service). */
export const hookRequestParts = { kubeObject, objectMap, options } as const;
