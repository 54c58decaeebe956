import { ANNOTATION_PREFIX, annotationsSchema, ANNOTATIONS } from './annotations.js';
import { compile } from './compile.js';

/**
 * Composite mode: several signals combined into one KEDA formula. The annotation names and
 * the keys of each metric entry are spelled as upstream keda-kaito-scaler v0.6.2 spells
 * them (pkg/constants/constants.go, pkg/scaledobject/provisioner.go), so its annotations
 * work here unchanged.
 */
export const COMPOSITE_ANNOTATIONS = {
  metrics: `${ANNOTATION_PREFIX}metrics`,
  combinePolicy: `${ANNOTATION_PREFIX}combinepolicy`,
  evaluationWindow: `${ANNOTATION_PREFIX}evaluationwindow`,
  scaleUpCooldown: `${ANNOTATION_PREFIX}scaleupcooldown`,
  scaleDownCooldown: `${ANNOTATION_PREFIX}scaledowncooldown`,
} as const;

export const METRIC_TYPES = ['gauge', 'histogram', 'counter'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** The aggregations each metric type may ask for; the first is the default. */
export const AGGREGATIONS_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  gauge: ['service-avg', 'sum'],
  histogram: ['windowed-avg', 'percentile'],
  counter: ['rate'],
};

/** Aggregations that read the replicas over a window of samples. */
export const WINDOWED_AGGREGATIONS: readonly string[] = ['windowed-avg', 'percentile', 'rate'];

export const DEFAULT_METRIC_CACHE_WINDOW = 300;
/** Samples are kept for the largest window asked: an hour bounds the sampler's memory. */
export const MAX_METRIC_CACHE_WINDOW = 3600;
export const MAX_METRICS = 16;

/** One entry of the `metrics` list, keys lowercased (upstream matches them case-insensitively). */
export interface MetricEntry {
  readonly name: string;
  readonly type: MetricType;
  readonly aggregation?: string;
  readonly quantile?: number;
  readonly upthreshold: number;
  readonly downthreshold: number;
  readonly metriccachewindow?: number;
  readonly source?: 'modelpod';
}

export const metricEntrySchema = {
  type: 'object',
  required: ['name', 'type', 'upthreshold', 'downthreshold'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$',
      maxLength: 200,
      'x-reason': 'InvalidMetricName',
      description: 'must be a Prometheus metric family name as the replicas expose it, e.g. vllm:num_requests_waiting',
    },
    type: {
      type: 'string',
      enum: [...METRIC_TYPES],
      'x-reason': 'InvalidMetricType',
      description: 'must be gauge, histogram or counter',
    },
    aggregation: {
      type: 'string',
      enum: ['service-avg', 'sum', 'windowed-avg', 'percentile', 'rate'],
      'x-reason': 'InvalidAggregation',
      description: 'gauge: service-avg (default) or sum; histogram: windowed-avg (default) or percentile; counter: rate (default)',
    },
    quantile: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      'x-reason': 'InvalidQuantile',
      description: 'the quantile a percentile aggregation reads, a number between 0 and 1 exclusive, e.g. 0.95',
    },
    upthreshold: {
      type: 'number',
      'x-reason': 'InvalidThreshold',
      description: 'the value above which this signal asks to scale up, a finite number',
    },
    downthreshold: {
      type: 'number',
      'x-reason': 'InvalidThreshold',
      description: 'the value below which this signal allows a scale-down, a finite number not above upthreshold',
    },
    metriccachewindow: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_METRIC_CACHE_WINDOW,
      'x-reason': 'InvalidMetricCacheWindow',
      description: `seconds of history a histogram or counter is read over, a whole number from 1 to ${MAX_METRIC_CACHE_WINDOW} (default ${DEFAULT_METRIC_CACHE_WINDOW})`,
    },
    source: {
      type: 'string',
      enum: ['modelpod'],
      'x-reason': 'InvalidMetricSource',
      description: "where the metric is read: modelpod (the replicas' own /metrics, the only source)",
    },
  },
} as const;

export const metricsListSchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_METRICS,
  'x-reason': 'InvalidMetricsAnnotation',
  description: `must be a list of 1 to ${MAX_METRICS} metrics, each a mapping with name, type, upthreshold and downthreshold`,
  items: metricEntrySchema,
} as const;

export const validateMetricsList = compile<MetricEntry[]>(metricsListSchema, {
  reason: 'InvalidMetricsAnnotation',
  describe: (path) => `annotation ${COMPOSITE_ANNOTATIONS.metrics}${path === '' ? '' : ` entry ${path.replace(/^(\d+)/, '[$1]')}`}`,
});

const SECONDS = {
  type: 'string',
  // Empty means the default, as upstream reads it; the range is checked in code.
  pattern: '^(\\+?[0-9]{1,10})?$',
  'x-reason': 'InvalidSeconds',
  description: 'must be a whole number of seconds',
} as const;

/** The annotations of composite mode besides the list, and the replica bounds both modes read. */
export const compositeAnnotationsSchema = {
  type: 'object',
  properties: {
    [ANNOTATIONS.minReplicas]: annotationsSchema.properties[ANNOTATIONS.minReplicas],
    [ANNOTATIONS.maxReplicas]: annotationsSchema.properties[ANNOTATIONS.maxReplicas],
    [COMPOSITE_ANNOTATIONS.combinePolicy]: {
      type: 'string',
      pattern: '^([aA][nN][dD]|[oO][rR])?$',
      'x-reason': 'InvalidCombinePolicy',
      description: 'must be AND (scale up when every signal is hot, the default) or OR (scale up when any signal is hot)',
    },
    [COMPOSITE_ANNOTATIONS.evaluationWindow]: SECONDS,
    [COMPOSITE_ANNOTATIONS.scaleUpCooldown]: SECONDS,
    [COMPOSITE_ANNOTATIONS.scaleDownCooldown]: SECONDS,
  },
} as const;

export const validateCompositeAnnotations = compile<Readonly<Record<string, string>>>(compositeAnnotationsSchema, {
  reason: 'InvalidAnnotation',
  describe: (path) => `annotation ${path}`,
});
