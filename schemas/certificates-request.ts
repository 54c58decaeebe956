import { compile } from './compile.js';
import { hookRequestParts } from './hook-requests.js';
import { NAMESPACE } from './patterns.js';

const { kubeObject, objectMap, options } = hookRequestParts;

/**
 * The certificates hook's request (Metacontroller DecoratorController, hook v2): its
 * object is the scaler's gRPC Service, whose name and namespace become DNS names in the
 * server certificate. Secrets among the attachments are observed state: whatever their
 * content, the renewal rules repair it, so their data is not constrained here.
 */
const service = {
  ...kubeObject,
  description: "must be the scaler's gRPC Service, as a DecoratorController (hook v2) sends it",
  properties: {
    ...kubeObject.properties,
    apiVersion: { const: 'v1', description: 'must be v1: this hook serves core Services' },
    kind: { const: 'Service', description: "must be Service: this hook serves the scaler's gRPC Service" },
    metadata: {
      type: 'object',
      required: ['name', 'namespace'],
      properties: {
        name: {
          type: 'string',
          pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
          maxLength: 63,
          description: 'must be a Service name (lower-case letters, digits and hyphens, starting with a letter, at most 63)',
        },
        namespace: {
          type: 'string',
          pattern: NAMESPACE,
          maxLength: 63,
          description: 'must be a namespace name (lower-case letters, digits and hyphens, at most 63)',
        },
      },
    },
  },
} as const;

export const validateCertificatesSync = compile(
  {
    type: 'object',
    description: 'must be a Metacontroller DecoratorController sync request: {object: Service, attachments: {"Secret.v1": ...}}',
    required: ['object'],
    properties: { object: service, attachments: objectMap, related: objectMap, finalizing: { type: 'boolean' } },
  },
  options,
);

/** The customize request of the same DecoratorController: the Service is its `parent`. */
export const validateCertificatesCustomize = compile(
  {
    type: 'object',
    description: 'must be a Metacontroller customize request: {parent: Service}',
    required: ['parent'],
    properties: { parent: service },
  },
  options,
);
