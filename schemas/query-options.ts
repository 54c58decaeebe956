import type { FromSchema } from 'json-schema-to-ts';
import { loggingOptions } from './logging-options.js';
import { HOST } from './patterns.js';

/** Options of `keda-kaito-scaler query`: call the scaler the way KEDA does. */
export const queryOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'tlsDir'],
  properties: {
    address: {
      type: 'string',
      pattern: `^${HOST}:[0-9]{1,5}$`,
      description: "the scaler's gRPC address as host:port, e.g. localhost:10450",
    },
    tlsDir: {
      type: 'string',
      minLength: 1,
      description: 'folder with the client certificate: ca.crt (trusted to sign the server), tls.crt, tls.key',
    },
    serverName: {
      type: 'string',
      pattern: '^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$',
      description:
        "the name to verify in the server certificate instead of the address's host, e.g. keda-kaito-scaler-svc.keda.svc through kubectl port-forward",
    },
    namespace: {
      type: 'string',
      minLength: 1,
      default: 'default',
      description: "the calling ScaledObject's namespace: the scaler admits it for InferenceSets of the same namespace or that allow it",
    },
    name: { type: 'string', minLength: 1, default: 'query', description: "the calling ScaledObject's name" },
    metadata: {
      type: 'array',
      default: [],
      items: { type: 'string', pattern: '^[^=]+=', description: 'a trigger metadata entry as key=value' },
      description: 'trigger metadata as key=value, one flag per key (inferenceSetName, inferenceSetNamespace, metricName, threshold, ...)',
    },
    timeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 600_000,
      default: 3000,
      description: 'deadline of each call in milliseconds',
    },
    output: {
      type: 'string',
      enum: ['text', 'json'],
      default: 'text',
      description: 'print the answers as text lines or as one JSON object',
    },
    ...loggingOptions,
  },
} as const;

export type QueryOptions = Readonly<FromSchema<typeof queryOptionsSchema>>;
