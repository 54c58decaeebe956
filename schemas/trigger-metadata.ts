import { compile } from './compile.js';
import { NAMESPACE, OBJECT_NAME, PORT } from './patterns.js';

/**
 * The trigger metadata KEDA sends with every call (`scalerMetadata`): all values are
 * strings. Keys not listed here are ignored (KEDA adds its own, e.g. `scalerAddress`);
 * the listed ones are checked strictly.
 */
export interface TriggerMetadata {
  readonly inferenceSetName: string;
  readonly inferenceSetNamespace: string;
  readonly metricName: string;
  readonly threshold: string;
  readonly metricProtocol: 'http' | 'https';
  readonly metricPort: string;
  readonly metricPath: string;
  readonly scrapeTimeout: string;
  readonly aggregation: 'sum';
}

const reason = 'InvalidMetadata';

/** The rule for `scrapeTimeout`, also quoted when a duration parses but is out of range. */
export const scrapeTimeoutRule = 'per-replica scrape timeout, a duration such as "3s", "500ms", "1.5s" or "1m" (units ms, s, m), from 1ms to 60s';

export const triggerMetadataSchema = {
  type: 'object',
  required: ['inferenceSetName', 'inferenceSetNamespace', 'metricName', 'threshold'],
  properties: {
    inferenceSetName: {
      type: 'string',
      maxLength: 253,
      pattern: OBJECT_NAME,
      description: 'name of the InferenceSet to scale: lowercase letters, digits, "-" and ".", at most 253 characters',
      'x-reason': reason,
    },
    inferenceSetNamespace: {
      type: 'string',
      maxLength: 63,
      pattern: NAMESPACE,
      description: 'namespace of the InferenceSet: lowercase letters, digits and "-", at most 63 characters',
      'x-reason': reason,
    },
    metricName: {
      type: 'string',
      maxLength: 200,
      pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$',
      description: 'Prometheus metric family name as the replicas expose it on /metrics, e.g. "vllm:num_requests_waiting"',
      'x-reason': reason,
    },
    threshold: {
      type: 'string',
      maxLength: 24,
      // A decimal number of at least 0.001: a non-zero whole part, or a non-zero digit among the first three decimals.
      pattern: '^(0*[1-9][0-9]*(\\.[0-9]+)?|0*\\.[0-9]{0,2}[1-9][0-9]*)$',
      description:
        'per-replica target value, a decimal number of at least 0.001 such as "10" or "2.5" (KEDA writes the target ' +
        'into the HPA with three decimals: a smaller one would become 0)',
      'x-reason': reason,
    },
    metricProtocol: {
      type: 'string',
      enum: ['http', 'https'],
      default: 'http',
      description: 'scheme to scrape the replicas with: "http" or "https"',
      'x-reason': reason,
    },
    metricPort: {
      type: 'string',
      pattern: `^${PORT}$`,
      default: '80',
      description: 'port of the Workspace Service to scrape, an integer from 1 to 65535',
      'x-reason': reason,
    },
    metricPath: {
      type: 'string',
      maxLength: 1024,
      // Printable ASCII without "#"; a query is allowed and kept.
      pattern: '^/[\\x21\\x22\\x24-\\x7e]*$',
      default: '/metrics',
      description: 'absolute path of the metrics page, e.g. "/metrics": starts with "/", printable ASCII without spaces or "#"',
      'x-reason': reason,
    },
    scrapeTimeout: {
      type: 'string',
      maxLength: 32,
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$',
      default: '3s',
      description: scrapeTimeoutRule,
      'x-reason': reason,
    },
    aggregation: {
      type: 'string',
      enum: ['sum'],
      default: 'sum',
      description: 'how the replicas\' values become one number: "sum" (the only one so far)',
      'x-reason': reason,
    },
  },
} as const;

export const validateTriggerMetadata = compile<TriggerMetadata>(triggerMetadataSchema, {
  reason,
  describe: (path) => `metadata "${path}"`,
});
