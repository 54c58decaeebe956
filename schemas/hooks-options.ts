import type { FromSchema } from 'json-schema-to-ts';
import { defineCommand } from './flags.js';
import { loggingOptions } from './logging-options.js';

const hooksOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port of the webhooks (0: any free port)' },
    scalerAddress: {
      type: 'string',
      pattern: '^[^\\s:/]+:[0-9]{1,5}$',
      default: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450',
      description: 'host:port of the external scaler, written into every rendered ScaledObject',
    },
    triggerAuthentication: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      maxLength: 253,
      default: 'keda-kaito-scaler-creds',
      description: 'name of the ClusterTriggerAuthentication holding the scaler client certificate',
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: 268435456,
      default: 16777216,
      description: 'largest hook request body accepted, in bytes (objects with managedFields run to megabytes)',
    },
    ...loggingOptions,
  },
} as const;

export type HooksOptions = Readonly<FromSchema<typeof hooksOptionsSchema>>;

export const hooksCommand = defineCommand<HooksOptions>('hooks', 'serve the Metacontroller webhooks', hooksOptionsSchema);
