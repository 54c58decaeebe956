import type { FromSchema } from 'json-schema-to-ts';
import { defineCommand } from './flags.js';
import { loggingOptions } from './logging-options.js';
import { NAMESPACE } from './patterns.js';

/** A DNS name (letters, digits, hyphens, dots) or something shaped like an IP address; code checks the IPs. */
const NAME_OR_IP = '^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$';

/** What the certificates name when not told otherwise: the scaler's Service in KEDA's namespace, and this machine. */
export const CERTS_DEFAULTS = { service: 'keda-kaito-scaler-svc', namespace: 'keda', extraNames: ['localhost', '127.0.0.1'] } as const;

const certsOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['out'],
  properties: {
    out: { type: 'string', minLength: 1, description: 'folder to write ca/, server/ and client/ into (created if absent)' },
    service: {
      type: 'string',
      pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      default: CERTS_DEFAULTS.service,
      description: "name of the scaler's gRPC Service, whose DNS names the server certificate carries",
    },
    namespace: {
      type: 'string',
      pattern: NAMESPACE,
      maxLength: 63,
      default: CERTS_DEFAULTS.namespace,
      description: 'namespace of that Service',
    },
    extraNames: {
      type: 'array',
      items: { type: 'string', pattern: NAME_OR_IP, maxLength: 253, description: 'must be a DNS name or an IP address' },
      default: [...CERTS_DEFAULTS.extraNames],
      description: 'more DNS names or IP addresses for the server certificate (repeat the flag, or a comma list)',
    },
    force: { type: 'boolean', default: false, description: 'replace existing files with a fresh set' },
    reuse: {
      type: 'boolean',
      default: false,
      description: 'keep an existing valid set; renew only what the renewal rules say (near expiry, wrong names, ...)',
    },
    ...loggingOptions,
  },
} as const;

export type CertsOptions = Readonly<FromSchema<typeof certsOptionsSchema>>;

export const certsCommand = defineCommand<CertsOptions>(
  'certs',
  'write a CA, a server and a client certificate for the scaler into --out (ca/, server/, client/)',
  certsOptionsSchema,
);
