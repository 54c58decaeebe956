import { fail, ok, type Result } from '../lib/result.js';
import { scrapeTimeoutRule, triggerMetadataSchema, validateTriggerMetadata } from '../schemas/trigger-metadata.js';
import type { AggregationName } from './aggregate.js';
import type { Workspace } from './discovery/discovery.js';

/** A ScaledObject trigger's metadata, checked and typed. */
export interface TriggerConfig {
  readonly inferenceSetName: string;
  readonly inferenceSetNamespace: string;
  /** Prometheus family name. */
  readonly metricName: string;
  /** Per-replica target, finite and > 0. */
  readonly threshold: number;
  readonly metricProtocol: 'http' | 'https';
  readonly metricPort: number;
  /** Absolute path, possibly with a query. */
  readonly metricPath: string;
  readonly scrapeTimeoutMs: number;
  readonly aggregation: AggregationKind;
  /** Composite mode's thresholds, when the trigger carries both (its neutral value lies between them). */
  readonly upThreshold?: number;
  readonly downThreshold?: number;
  /** How far back a windowed aggregation reads. */
  readonly windowMs: number;
  /** Percentile only. */
  readonly quantile?: number;
  /** Percentile only: fewer observations in the window give 0. */
  readonly minSamples: number;
}

/** Aggregations read from one scrape round (aggregate.ts), over a window of samples (windowed.ts), or the gate. */
export type AggregationKind = AggregationName | 'windowed-avg' | 'percentile' | 'rate' | 'gate';

export const WINDOWED: ReadonlySet<AggregationKind> = new Set(['windowed-avg', 'percentile', 'rate']);

const MAX_SCRAPE_TIMEOUT_MS = 60_000;

/** Problem reason `InvalidMetadata`, with a message naming the key and its rule. */
export function parseTriggerMetadata(metadata: Readonly<Record<string, string>>): Result<TriggerConfig> {
  // A copy: validation fills in defaults, and the caller's map is not ours to change.
  const checked = validateTriggerMetadata({ ...metadata });
  if (!checked.ok) return checked;
  const raw = checked.value;
  const scrapeTimeoutMs = parseDuration(raw.scrapeTimeout);
  if (scrapeTimeoutMs === undefined || scrapeTimeoutMs < 1 || scrapeTimeoutMs > MAX_SCRAPE_TIMEOUT_MS) {
    return fail('InvalidMetadata', `metadata "scrapeTimeout" is ${JSON.stringify(raw.scrapeTimeout)}: ${scrapeTimeoutRule}`);
  }
  if (raw.aggregation === 'sum' && raw.threshold === undefined) {
    const rule = triggerMetadataSchema.properties.threshold.description;
    return fail('InvalidMetadata', `metadata "threshold" is required: ${rule} (the sum aggregation reads it)`);
  }
  if (raw.aggregation === 'percentile' && raw.quantile === undefined) {
    return fail('InvalidMetadata', 'metadata "quantile" is required: the percentile aggregation needs the quantile to read, e.g. "0.95"');
  }
  const up = raw.upThreshold === undefined ? undefined : Number(raw.upThreshold);
  const down = raw.downThreshold === undefined ? undefined : Number(raw.downThreshold);
  if (up !== undefined && down !== undefined && down > up) {
    return fail('InvalidMetadata', `metadata "downThreshold" (${raw.downThreshold}) must not exceed "upThreshold" (${raw.upThreshold})`);
  }
  return ok({
    inferenceSetName: raw.inferenceSetName,
    inferenceSetNamespace: raw.inferenceSetNamespace,
    metricName: raw.metricName,
    threshold: raw.threshold === undefined ? 1 : Number(raw.threshold),
    metricProtocol: raw.metricProtocol,
    metricPort: Number(raw.metricPort),
    metricPath: raw.metricPath,
    scrapeTimeoutMs,
    aggregation: raw.aggregation,
    ...(up !== undefined && { upThreshold: up }),
    ...(down !== undefined && { downThreshold: down }),
    windowMs: Number(raw.metricCacheWindow) * 1000,
    ...(raw.quantile !== undefined && { quantile: Number(raw.quantile) }),
    minSamples: Number(raw.minSamples),
  });
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/** "1m30s" -> 90000; undefined when not a duration of ms, s and m parts. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m)/g)) total += Number(amount) * (UNIT_MS[unit as string] as number);
  return Math.round(total * 1000) / 1000; // "1.1s" is 1100, not 1100.0000000000002
}

/**
 * Where each replica's metrics are: `<protocol>://<ws>.<ns>.svc.cluster.local:<port><path>`,
 * or `<protocol>://<address><path>` for a Workspace with a static address (`host:port`).
 */
export function targetUrls(config: TriggerConfig, namespace: string, workspaces: readonly Workspace[]): string[] {
  return workspaces.map((workspace) => {
    const authority = workspace.address ?? `${workspace.name}.${namespace}.svc.cluster.local:${config.metricPort}`;
    return `${config.metricProtocol}://${authority}${config.metricPath}`;
  });
}
