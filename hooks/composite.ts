import { parseDocument } from 'yaml';
import { fail, ok, type Result } from '../lib/result.js';
import { ANNOTATIONS } from '../schemas/annotations.js';
import {
  AGGREGATIONS_BY_TYPE,
  COMPOSITE_ANNOTATIONS,
  DEFAULT_METRIC_CACHE_WINDOW,
  validateCompositeAnnotations,
  validateMetricsList,
  WINDOWED_AGGREGATIONS,
  type MetricEntry,
  type MetricType,
} from '../schemas/composite-annotations.js';

/** One signal of a composite policy, checked. */
export interface CompositeMetric {
  /** The family as the replicas expose it. */
  readonly name: string;
  /** The trigger's name and the formula's variable. */
  readonly variable: string;
  readonly type: MetricType;
  readonly aggregation: string;
  readonly upThreshold: number;
  readonly downThreshold: number;
  /** Seconds; windowed aggregations only. */
  readonly window?: number;
  /** Percentile only. */
  readonly quantile?: number;
}

export type CombinePolicy = 'AND' | 'OR';

export interface CompositePolicy {
  readonly metrics: readonly CompositeMetric[];
  readonly combine: CombinePolicy;
  /** Seconds. */
  readonly evaluationWindow: number;
  readonly scaleUpCooldown: number;
  readonly scaleDownCooldown: number;
}

/** The readiness gate's trigger and variable: no metric may take its name. */
export const GATE_VARIABLE = 'readiness_gate';

/** Words of KEDA's expression language (expr-lang) that cannot name a variable. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'not',
  'in',
  'or',
  'and',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'let',
  'if',
  'else',
  'true',
  'false',
  'nil',
]);

const MAX_STABILIZATION_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

/**
 * A metric family as a formula variable and trigger name (upstream's rule): every character
 * not in `[A-Za-z0-9_]` becomes `_`, and a leading digit gets a `_` before it.
 */
export function variableName(family: string): string {
  const replaced = family.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/**
 * The composite annotations, checked rule by rule; the first broken rule is the answer.
 * The replica bounds are checked here too (their rules are shared with single-threshold
 * mode), but read by the caller.
 */
export function readCompositePolicy(annotations: Readonly<Record<string, string>>): Result<CompositePolicy> {
  if (annotations[ANNOTATIONS.threshold] !== undefined) {
    return fail(
      'ConflictingAnnotations',
      `annotations ${COMPOSITE_ANNOTATIONS.metrics} and ${ANNOTATIONS.threshold} are both set: ${ANNOTATIONS.threshold} ` +
        `(with ${ANNOTATIONS.metricName}) configures one signal, ${COMPOSITE_ANNOTATIONS.metrics} several; remove one of them`,
    );
  }
  const globals = validateCompositeAnnotations({ ...annotations });
  if (!globals.ok) return globals;

  const entries = parseMetricsList(annotations[COMPOSITE_ANNOTATIONS.metrics] ?? '');
  if (!entries.ok) return entries;
  const metrics: CompositeMetric[] = [];
  const taken = new Map<string, string>([[GATE_VARIABLE, 'the readiness gate']]);
  for (const [index, entry] of entries.value.entries()) {
    const metric = readMetric(entry, `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}] (${entry.name})`);
    if (!metric.ok) return metric;
    const { variable } = metric.value;
    if (RESERVED_WORDS.has(variable)) {
      return fail(
        'ReservedTriggerName',
        `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}]: metric "${entry.name}" would be the formula variable ` +
          `"${variable}", a word of KEDA's expression language; use the metric's full Prometheus name`,
      );
    }
    const previous = taken.get(variable);
    if (previous !== undefined) {
      return fail(
        'DuplicateTriggerName',
        `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}]: metric "${entry.name}" becomes trigger "${variable}", ` +
          `as ${previous} does (every character other than letters, digits and "_" becomes "_"); list each metric once`,
      );
    }
    taken.set(variable, `metric "${entry.name}"`);
    metrics.push(metric.value);
  }

  // The HPA refuses a policy period outside 1..1800 s and a stabilization window above
  // 3600 s (k8s.io/api autoscaling/v2 HPAScalingRules): KEDA could not create the HPA.
  const seconds = (key: string, fallback: number, min: number, max: number): Result<number> => {
    const text = annotations[key];
    if (text === undefined || text === '') return ok(fallback);
    const value = Number(text);
    if (value >= min && value <= max) return ok(value);
    return fail(
      'InvalidSeconds',
      `annotation ${key} is "${text}": must be a whole number of seconds from ${min} to ${max} (the HPA accepts no other)`,
    );
  };
  const evaluationWindow = seconds(COMPOSITE_ANNOTATIONS.evaluationWindow, 60, 0, MAX_STABILIZATION_SECONDS);
  if (!evaluationWindow.ok) return evaluationWindow;
  const scaleUpCooldown = seconds(COMPOSITE_ANNOTATIONS.scaleUpCooldown, 300, 1, MAX_PERIOD_SECONDS);
  if (!scaleUpCooldown.ok) return scaleUpCooldown;
  const scaleDownCooldown = seconds(COMPOSITE_ANNOTATIONS.scaleDownCooldown, 300, 1, MAX_PERIOD_SECONDS);
  if (!scaleDownCooldown.ok) return scaleDownCooldown;

  const policy = annotations[COMPOSITE_ANNOTATIONS.combinePolicy]?.toUpperCase();
  return ok({
    metrics,
    combine: policy === 'OR' ? 'OR' : 'AND',
    evaluationWindow: evaluationWindow.value,
    scaleUpCooldown: scaleUpCooldown.value,
    scaleDownCooldown: scaleDownCooldown.value,
  });
}

/** YAML or JSON (JSON is YAML); keys are matched case-insensitively, as upstream's decoder does. */
function parseMetricsList(text: string): Result<MetricEntry[]> {
  if (text.trim() === '') {
    return fail('MissingMetrics', `annotation ${COMPOSITE_ANNOTATIONS.metrics} is empty: list at least one metric`);
  }
  const document = parseDocument(text, { uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    return fail(
      'InvalidMetricsAnnotation',
      `annotation ${COMPOSITE_ANNOTATIONS.metrics} is not valid YAML or JSON: ${error.message.split('\n')[0]}`,
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 10 });
  } catch (thrown) {
    return fail('InvalidMetricsAnnotation', `annotation ${COMPOSITE_ANNOTATIONS.metrics} cannot be read: ${(thrown as Error).message}`);
  }
  if (Array.isArray(data) && data.length === 0) {
    return fail('MissingMetrics', `annotation ${COMPOSITE_ANNOTATIONS.metrics} is an empty list: list at least one metric`);
  }
  let list = data;
  if (Array.isArray(data)) {
    const lowered: unknown[] = [];
    for (const [index, entry] of data.entries()) {
      const keys = lowerKeys(entry);
      if (!keys.ok) {
        return fail(
          'InvalidMetricsAnnotation',
          `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}] sets "${keys.key}" twice (keys are not case-sensitive)`,
        );
      }
      lowered.push(keys.value);
    }
    list = lowered;
  }
  const listed = validateMetricsList(list);
  if (!listed.ok) return listed;
  for (const [index, entry] of listed.value.entries()) {
    for (const key of ['upthreshold', 'downthreshold'] as const) {
      if (!Number.isFinite(entry[key])) {
        return fail(
          'InvalidThreshold',
          `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}].${key} is ${entry[key]}: must be a finite number`,
        );
      }
      if (!inThousandths(entry[key])) {
        return fail(
          'InvalidThreshold',
          `annotation ${COMPOSITE_ANNOTATIONS.metrics} entry [${index}].${key} is ${formatNumber(entry[key])}: at most three decimals, ` +
            'since KEDA hands the formula every value rounded to thousandths (a finer threshold cannot be told apart from its neighbours)',
        );
      }
    }
  }
  return listed;
}

/** KEDA formats each trigger's value with three decimals before the formula reads it. */
function inThousandths(value: number): boolean {
  const thousandths = value * 1000;
  return Math.abs(thousandths - Math.round(thousandths)) <= 1e-9 * Math.max(1, Math.abs(thousandths));
}

type Lowered = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly key: string };

function lowerKeys(entry: unknown): Lowered {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { ok: true, value: entry };
  const lowered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const lower = key.toLowerCase();
    if (lower in lowered) return { ok: false, key: lower };
    lowered[lower] = value;
  }
  return { ok: true, value: lowered };
}

/** The rules between an entry's keys, which the schema cannot say. */
function readMetric(entry: MetricEntry, where: string): Result<CompositeMetric> {
  const allowed = AGGREGATIONS_BY_TYPE[entry.type];
  const aggregation = entry.aggregation ?? (allowed[0] as string);
  if (!allowed.includes(aggregation)) {
    return fail(
      'InvalidAggregation',
      `${where}: aggregation "${aggregation}" does not apply to a ${entry.type}; use ${allowed.join(' or ')}`,
    );
  }
  if (entry.downthreshold > entry.upthreshold) {
    return fail(
      'InvertedThresholds',
      `${where}: downthreshold (${formatNumber(entry.downthreshold)}) must not exceed upthreshold (${formatNumber(entry.upthreshold)})`,
    );
  }
  const windowed = WINDOWED_AGGREGATIONS.includes(aggregation);
  if (!windowed && entry.metriccachewindow !== undefined) {
    return fail(
      'InvalidMetricCacheWindow',
      `${where}: metriccachewindow applies only to histograms and counters, which are read over a window; remove it`,
    );
  }
  if (aggregation === 'percentile' && entry.quantile === undefined) {
    return fail('InvalidQuantile', `${where}: the percentile aggregation needs a quantile between 0 and 1, e.g. quantile: 0.95`);
  }
  if (aggregation !== 'percentile' && entry.quantile !== undefined) {
    return fail('InvalidQuantile', `${where}: quantile applies only to aggregation percentile; remove it or set aggregation: percentile`);
  }
  // The scaler's threshold rule: KEDA writes targets with three decimals.
  if (aggregation === 'sum' && !(entry.downthreshold >= 0.001)) {
    return fail(
      'InvalidThreshold',
      `${where}: the sum aggregation counts a replica that gives no sample at downthreshold, which must then be at least 0.001`,
    );
  }
  return ok({
    name: entry.name,
    variable: variableName(entry.name),
    type: entry.type,
    aggregation,
    upThreshold: entry.upthreshold,
    downThreshold: entry.downthreshold,
    ...(windowed && { window: entry.metriccachewindow ?? DEFAULT_METRIC_CACHE_WINDOW }),
    ...(entry.quantile !== undefined && { quantile: entry.quantile }),
  });
}

/**
 * The shortest decimal that reads back as the same double, never in exponent form
 * (`1e-7` -> `0.0000001`): KEDA's formula and a reader both take it as written.
 */
export function formatNumber(value: number): string {
  const shortest = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (match === null) return shortest;
  const [, sign, head, tail = '', exponentText] = match as unknown as [string, string, string, string | undefined, string];
  const digits = head + tail;
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
