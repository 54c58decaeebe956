import type { FromSchema } from 'json-schema-to-ts';
import { compile } from './compile.js';
import { NAMESPACE, OBJECT_NAME, PORT } from './patterns.js';

const reason = 'InvalidMetadata';

/** A decimal number, possibly negative, never in exponent form (as the hooks render thresholds). */
const DECIMAL = '^-?([0-9]+(\\.[0-9]+)?|\\.[0-9]+)$';

/** The rule for `scrapeTimeout`, also quoted when a duration parses but is out of range. */
export const scrapeTimeoutRule =
  'per-replica scrape timeout, a duration such as "3s", "500ms", "1.5s" or "1m" (units ms, s, m), from 1ms to 60s';

/**
 * The trigger metadata KEDA sends with every call (`scalerMetadata`): all values are
 * strings. Keys not listed here are ignored (KEDA adds its own, e.g. `scalerAddress`);
 * the listed ones are checked strictly.
 */
export const triggerMetadataSchema = {
  type: 'object',
  // `threshold` is required for `sum` only: checked in code (scaler/metadata.ts).
  required: ['inferenceSetName', 'inferenceSetNamespace', 'metricName'],
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
        'into the HPA with three decimals: a smaller one would become 0); required by aggregation "sum"',
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
      enum: ['sum', 'service-avg', 'windowed-avg', 'percentile', 'rate', 'gate'],
      default: 'sum',
      description:
        'how the replicas\' values become one number: "sum", "service-avg" (gauges), "windowed-avg" or "percentile" ' +
        '(histograms over a window), "rate" (counters over a window) or "gate" (1 when every replica is ready)',
      'x-reason': reason,
    },
    upThreshold: {
      type: 'string',
      maxLength: 32,
      pattern: DECIMAL,
      description: 'the composite formula\'s scale-up threshold, a decimal number such as "10" or "-0.5"',
      'x-reason': reason,
    },
    downThreshold: {
      type: 'string',
      maxLength: 32,
      pattern: DECIMAL,
      description: "the composite formula's scale-down threshold, a decimal number not above upThreshold",
      'x-reason': reason,
    },
    metricCacheWindow: {
      type: 'string',
      pattern: '^([1-9][0-9]{0,2}|[1-2][0-9]{3}|3[0-5][0-9]{2}|3600)$',
      default: '300',
      description: 'seconds of samples a windowed aggregation reads, a whole number from 1 to 3600',
      'x-reason': reason,
    },
    quantile: {
      type: 'string',
      pattern: '^0?\\.[0-9]*[1-9][0-9]*$',
      description: 'the quantile the percentile aggregation reads, a decimal between 0 and 1 exclusive such as "0.95"',
      'x-reason': reason,
    },
    minSamples: {
      type: 'string',
      pattern: '^[0-9]{1,9}$',
      default: '20',
      description: 'fewest observations in the window for the percentile aggregation to read a quantile (fewer give 0), a whole number',
      'x-reason': reason,
    },
    metricSource: {
      type: 'string',
      enum: ['modelpod'],
      default: 'modelpod',
      description: 'where the metric is read: "modelpod" (each replica\'s own /metrics page, the only source)',
      'x-reason': reason,
    },
  },
} as const;

/** A validated trigger metadata map; keys the schema does not list stay as KEDA sent them. */
export type TriggerMetadata = Readonly<FromSchema<typeof triggerMetadataSchema>>;

export const validateTriggerMetadata = compile<TriggerMetadata>(triggerMetadataSchema, {
  reason,
  describe: (path) => `metadata "${path}"`,
});
