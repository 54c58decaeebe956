import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { failWith, ok, type Problem, type Result } from '../lib/result.js';
import { authorize } from './authorize.js';
import type { Discovery, InferenceSetView, Workspace } from './discovery/discovery.js';
import type {
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  MetricSpec,
  MetricValue,
  ScaledObjectRef,
} from './generated/externalscaler.js';
import type { TriggerConfig } from './metadata.js';

/** The part of a parsed trigger that the RPCs read themselves. */
export type TriggerTarget = Pick<TriggerConfig, 'inferenceSetName' | 'inferenceSetNamespace' | 'metricName' | 'threshold'>;

export interface MeasurementValue {
  readonly value: number;
  readonly active: boolean;
}

/**
 * Metadata parsing, target URLs and measuring: the scaler's core (core.ts builds the real one;
 * tests and the dev stack pass their own object).
 */
export interface ScalerCore {
  parseTriggerMetadata(metadata: Readonly<Record<string, string>>): Result<TriggerConfig>;
  targetUrls(config: TriggerConfig, namespace: string, workspaces: readonly Workspace[]): string[];
  /** `view`: the InferenceSet as discovery sees it (the readiness gate reads it). */
  measure(config: TriggerConfig, urls: readonly string[], deadline: number, view: InferenceSetView): Promise<Result<MeasurementValue>>;
}

/** Why a call failed: a gRPC status code, a stable reason and a message the caller can act on. */
export interface RpcFailure extends Problem {
  readonly code: status;
}

export type RpcResult<T> = Result<T, RpcFailure>;

const success = <T>(value: T): RpcResult<T> => ok(value);
const failure = (code: status, reason: string, message: string): RpcResult<never> => failWith({ code, reason, message });

/**
 * The gRPC status of a problem the core reports while measuring. Missing data is
 * UNAVAILABLE (KEDA retries, and its fallback engages), never a made-up number; a metric
 * that cannot be summed is the trigger's fault (INVALID_ARGUMENT). Anything else is a bug.
 */
export function measureStatus(reason: string): status {
  switch (reason) {
    case 'NoTargets':
    case 'NoSamples':
    // A windowed trigger without its thresholds, whose history cannot answer (yet).
    case 'WarmingUp':
    case 'Stale':
    case 'TooManyKeys':
    case 'IncompatibleBuckets':
      return status.UNAVAILABLE;
    case 'UnsupportedMetricType':
      return status.INVALID_ARGUMENT;
    default:
      return status.INTERNAL;
  }
}

const METRIC_NAME_LIMIT = 120;

/**
 * The HPA's name for a trigger's metric: stable, lowercase letters, digits and `-` only
 * (KEDA prefixes `s<index>-`; a Prometheus `:` is not allowed there). Long names are cut and
 * end in a hash of the full name, so two InferenceSets never share a name by truncation.
 */
export function metricNameFor(config: TriggerTarget): string {
  const full = ['kaito', config.inferenceSetNamespace, config.inferenceSetName, config.metricName]
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= METRIC_NAME_LIMIT) return full;
  const identity = JSON.stringify([config.inferenceSetNamespace, config.inferenceSetName, config.metricName]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
  return `${full.slice(0, METRIC_NAME_LIMIT - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** KEDA reads the float fields; the deprecated integer fields are set for older clients. */
const toInt64 = (value: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(value)));

export function metricSpecFor(config: TriggerTarget): MetricSpec {
  // A target of 0 means "unset" to a client that reads the integer, so it is at least 1 there.
  return { metricName: metricNameFor(config), targetSize: Math.max(1, toInt64(config.threshold)), targetSizeFloat: config.threshold };
}

export function metricValueFor(metricName: string, value: number): MetricValue {
  return { metricName, metricValue: toInt64(value), metricValueFloat: value };
}

export interface ScalerService {
  getMetricSpec(ref: ScaledObjectRef): RpcResult<GetMetricSpecResponse>;
  getMetrics(request: GetMetricsRequest, deadline: number): Promise<RpcResult<GetMetricsResponse>>;
  isActive(ref: ScaledObjectRef, deadline: number): Promise<RpcResult<IsActiveResponse>>;
}

export interface ServiceOptions {
  /**
   * How long after GetMetrics measured a trigger an IsActive for the same trigger and
   * caller answers from that measurement (0: never).
   */
  readonly activityReuseMs?: number;
  readonly now?: () => number;
}

/** Same caller namespace and same metadata: the same trigger. */
function triggerKey(ref: ScaledObjectRef): string {
  const metadata = Object.entries(ref.scalerMetadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([ref.namespace, metadata]);
}

/**
 * The RPCs without the transport. GetMetricSpec reads nothing but the metadata, so KEDA
 * can always build its HPA (and its fallback can engage); GetMetrics and IsActive resolve
 * the InferenceSet, check that the caller may read it, and measure.
 *
 * KEDA asks IsActive right after GetMetrics, for the same trigger and under the same
 * deadline. When GetMetrics had to wait for a replica that never answered, a second scrape
 * round would find no time left and fail the pair; so IsActive answers from a GetMetrics
 * measurement of the same trigger that finished within `activityReuseMs`.
 */
export function createScalerService(core: ScalerCore, discovery: Discovery, options: ServiceOptions = {}): ScalerService {
  const now = options.now ?? Date.now;
  const reuseMs = options.activityReuseMs ?? 1000;
  const recent = new Map<string, { readonly active: boolean; readonly at: number }>();
  const remember = (ref: ScaledObjectRef, active: boolean) => {
    if (reuseMs <= 0) return;
    const at = now();
    for (const [key, entry] of recent) if (at - entry.at > reuseMs) recent.delete(key);
    recent.set(triggerKey(ref), { active, at });
  };
  const recall = (ref: ScaledObjectRef | undefined): boolean | undefined => {
    if (!ref || reuseMs <= 0) return undefined;
    const entry = recent.get(triggerKey(ref));
    return entry && now() - entry.at <= reuseMs ? entry.active : undefined;
  };

  const parse = (ref: ScaledObjectRef | undefined): RpcResult<{ ref: ScaledObjectRef; config: TriggerConfig }> => {
    if (!ref) return failure(status.INVALID_ARGUMENT, 'MissingScaledObjectRef', 'the request has no scaledObjectRef');
    const parsed = core.parseTriggerMetadata(ref.scalerMetadata);
    return parsed.ok
      ? success({ ref, config: parsed.value })
      : failure(status.INVALID_ARGUMENT, parsed.problem.reason, parsed.problem.message);
  };

  const measure = async (
    ref: ScaledObjectRef | undefined,
    deadline: number,
  ): Promise<RpcResult<{ config: TriggerConfig; measured: MeasurementValue }>> => {
    const parsed = parse(ref);
    if (!parsed.ok) return parsed;
    const { ref: caller, config } = parsed.value;
    const { inferenceSetNamespace: namespace, inferenceSetName: name } = config;
    if (!discovery.ready()) {
      return failure(
        status.UNAVAILABLE,
        'NotReady',
        `the scaler is not ready: ${discovery.notReadyReason() ?? 'discovery has not synced yet'}`,
      );
    }
    const view = discovery.lookup(namespace, name);
    // Across namespaces, "does not exist" and "may not read" look the same: a tenant
    // learns nothing about another namespace's InferenceSets.
    const allowed = authorize(caller.namespace, view ?? { namespace, name, allowedNamespaces: [] });
    if (!allowed.ok) return failure(status.PERMISSION_DENIED, allowed.problem.reason, allowed.problem.message);
    if (!view) {
      return failure(
        status.NOT_FOUND,
        'InferenceSetNotFound',
        `InferenceSet ${namespace}/${name} does not exist: check inferenceSetName and inferenceSetNamespace`,
      );
    }
    const urls = core.targetUrls(config, view.namespace, view.workspaces);
    const measured = await core.measure(config, urls, deadline, view);
    if (!measured.ok) {
      const { reason, message } = measured.problem;
      return failure(measureStatus(reason), reason, `InferenceSet ${namespace}/${name}, metric ${config.metricName}: ${message}`);
    }
    if (!Number.isFinite(measured.value.value)) {
      return failure(
        status.INTERNAL,
        'NotFinite',
        `InferenceSet ${namespace}/${name}: the measured value ${measured.value.value} is not a finite number`,
      );
    }
    return success({ config, measured: measured.value });
  };

  return {
    getMetricSpec(ref) {
      const parsed = parse(ref);
      return parsed.ok ? success({ metricSpecs: [metricSpecFor(parsed.value.config)] }) : parsed;
    },
    async getMetrics(request, deadline) {
      // request.metricName is the name GetMetricSpec gave, not a Prometheus family: the
      // family always comes from the metadata.
      const result = await measure(request.scaledObjectRef, deadline);
      if (!result.ok) return result;
      if (request.scaledObjectRef) remember(request.scaledObjectRef, result.value.measured.active);
      return success({ metricValues: [metricValueFor(metricNameFor(result.value.config), result.value.measured.value)] });
    },
    async isActive(ref, deadline) {
      const reused = recall(ref);
      if (reused !== undefined) return success({ result: reused });
      const result = await measure(ref, deadline);
      return result.ok ? success({ result: result.value.measured.active }) : result;
    },
  };
}
