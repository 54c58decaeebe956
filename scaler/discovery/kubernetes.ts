import { ApiextensionsV1Api, ApisApi, CustomObjectsApi, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../lib/log.js';
import { fail, ok, type Problem, type Result } from '../../lib/result.js';
import { chooseVersion, KAITO_GROUP, KAITO_VERSIONS } from './api-versions.js';
import { createDiscoveryIndex, type DiscoveryIndex, type Kind } from './cache.js';
import { missingCrdsReason, REQUIRED_CRDS } from './crds.js';
import type { Discovery } from './discovery.js';
import { startInformer, type Informer, type InformerSettings } from './informer.js';
import { bounded, describeApiError, loadKubeConfig, statusOf } from './kube-client.js';
import { retryDelay, sleep } from './retry.js';

export type DiscoveryTiming = InformerSettings;

export const DEFAULT_TIMING: DiscoveryTiming = {
  retry: { initialMs: 1000, maxMs: 10_000 },
  requestTimeoutMs: 30_000,
  watchTimeoutSeconds: 300,
  minWatchIntervalMs: 1000,
  pageSize: 500,
  random: Math.random,
};

export interface KubernetesDiscoveryOptions {
  /** Path of a kubeconfig; else the in-cluster ServiceAccount; else $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly log: Logger;
  /** Where to register the discovery metrics (cache sizes, readiness, lists, watch restarts). */
  readonly registry?: Registry;
  /** Retry, timeout and paging bounds; the defaults suit a cluster, tests shorten them. */
  readonly timing?: Partial<DiscoveryTiming>;
}

const RESOURCES: ReadonlyArray<{ readonly kind: Kind; readonly plural: string }> = [
  { kind: 'InferenceSet', plural: 'inferencesets' },
  { kind: 'Workspace', plural: 'workspaces' },
];

/** The version to read each KAITO resource in, by plural name. */
export type ApiVersions = Readonly<Record<string, string>>;

/** Problems of reaching the API server, as opposed to waiting for something to be installed. */
const TROUBLE = new Set(['ApiUnreachable', 'Unauthorized', 'Forbidden', 'ApiError', 'ResourceGone']);

/**
 * Discovery from the Kubernetes API: caches of InferenceSets and Workspaces, cluster-wide.
 *
 * Returns at once. In the background it waits (polling with capped backoff) until the
 * API server answers and the InferenceSet, Workspace and ScaledObject CRDs exist, picks
 * the KAITO version to read per resource (v1beta1, else v1alpha1), then lists and watches
 * both resources. `ready()` turns true once both lists are in the cache; until then
 * `notReadyReason()` says what it waits for, and each change of that reason is logged once.
 * If a resource stops being served (404: CRD deleted, version dropped), it goes back to
 * waiting and detecting. `lookup` answers undefined while not ready, so that a half-filled
 * cache never yields a partial list of replicas. Throws only when no kubeconfig can be
 * loaded at all.
 */
export function startKubernetesDiscovery(options: KubernetesDiscoveryOptions): Discovery {
  const timing: DiscoveryTiming = { ...DEFAULT_TIMING, ...options.timing };
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? 'unknown';
  const log = options.log.child({ component: 'discovery' });
  const index = createDiscoveryIndex();
  const stopping = new AbortController();

  interface Running {
    readonly resource: string;
    readonly version: string;
    readonly informer: Informer;
  }
  let waitingFor: Problem | undefined = { reason: 'Starting', message: `connecting to the API server ${server}` };
  let running: Running[] = [];
  /** Bumped on every restart of detection, so that late events of old informers are ignored. */
  let generation = 0;
  let startup: Promise<void> = Promise.resolve();
  let reported: string | undefined | null = null;

  const ready = () =>
    !stopping.signal.aborted && waitingFor === undefined && running.length > 0 && running.every((entry) => entry.informer.synced());

  const notReadyReason = (): string | undefined => {
    if (stopping.signal.aborted) return 'discovery stopped';
    if (waitingFor) return waitingFor.message;
    const pending = running.filter((entry) => !entry.informer.synced());
    if (pending.length === 0) return undefined;
    return pending.map((entry) => entry.informer.problem()?.message ?? `listing ${entry.resource}/${entry.version}`).join('; ');
  };

  const report = () => {
    const reason = notReadyReason();
    if (reason === reported) return;
    reported = reason;
    if (reason === undefined) {
      const versions = Object.fromEntries(running.map((entry) => [entry.resource, entry.version]));
      const sizes = { inferenceSets: index.size('InferenceSet'), workspaces: index.size('Workspace') };
      log.info({ ...sizes, versions }, `discovery ready: ${sizes.inferenceSets} InferenceSets, ${sizes.workspaces} Workspaces`);
    } else if (waitingFor && TROUBLE.has(waitingFor.reason)) {
      log.warn({ reason: waitingFor.reason }, `discovery not ready: ${reason}`);
    } else {
      log.info({ reason: waitingFor?.reason ?? 'Listing' }, `discovery not ready: ${reason}`);
    }
  };

  const metrics = options.registry ? registerMetrics(options.registry, index, ready) : undefined;

  const startInformers = (versions: ApiVersions, current: number) => {
    const live = () => current === generation && !stopping.signal.aborted;
    running = RESOURCES.map(({ kind, plural }) => {
      const resource = `${plural}.${KAITO_GROUP}`;
      const version = versions[plural] ?? KAITO_VERSIONS[0];
      const informer = startInformer({
        kubeConfig,
        kind,
        group: KAITO_GROUP,
        version,
        plural,
        log,
        settings: timing,
        listener: {
          put: (object) => {
            if (!live()) return;
            if (kind === 'InferenceSet') index.putInferenceSet(object);
            else index.putWorkspace(object);
          },
          delete: (object) => {
            if (!live()) return;
            if (kind === 'InferenceSet') index.deleteInferenceSet(object);
            else index.deleteWorkspace(object);
          },
          synced: () => live() && report(),
          changed: () => live() && report(),
          gone: (problem) => live() && redetect(problem),
          restarted: (reason) => metrics?.restarts.inc({ resource, reason }),
          listed: (result) => metrics?.lists.inc({ resource, result }),
        },
      });
      return { resource, version, informer };
    });
  };

  const waitThenStart = async (current: number) => {
    for (let attempt = 0; current === generation && !stopping.signal.aborted; attempt += 1) {
      const plan = await detect(kubeConfig, server, timing.requestTimeoutMs, stopping.signal);
      if (current !== generation || stopping.signal.aborted) return;
      if (plan.ok) {
        waitingFor = undefined;
        startInformers(plan.value, current);
        report();
        return;
      }
      waitingFor = plan.problem;
      report();
      await sleep(retryDelay(attempt, timing.retry, timing.random()), stopping.signal);
    }
  };

  const redetect = (problem: Problem) => {
    generation += 1;
    const stale = running;
    running = [];
    index.clear('InferenceSet');
    index.clear('Workspace');
    waitingFor = { reason: problem.reason, message: `${problem.message}: detecting the API versions again` };
    report();
    const current = generation;
    startup = Promise.all(stale.map((entry) => entry.informer.stop())).then(() => waitThenStart(current));
  };

  startup = waitThenStart(generation);

  return {
    ready,
    notReadyReason,
    lookup: (namespace, name) => (ready() ? index.lookup(namespace, name) : undefined),
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      generation += 1;
      await Promise.all(running.map((entry) => entry.informer.stop()));
      await startup;
      metrics?.unregister();
      log.info('discovery stopped');
    },
  };
}

/**
 * One round of the startup checks: the required CRDs exist, and the API server serves both
 * KAITO resources in a version the scaler reads. Every failure is a Problem whose message
 * is the not-ready reason.
 */
async function detect(kubeConfig: KubeConfig, server: string, timeoutMs: number, stop: AbortSignal): Promise<Result<ApiVersions>> {
  const call = <T>(request: (options: ConfigurationOptions) => Promise<T>) => bounded(stop, timeoutMs, request);
  const crds = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const lookups = await Promise.all(
    REQUIRED_CRDS.map(async ({ name }): Promise<Result<boolean>> => {
      try {
        await call((options) => crds.readCustomResourceDefinition({ name }, options));
        return ok(true);
      } catch (error) {
        if (statusOf(error) === 404) return ok(false);
        const permission = 'get on customresourcedefinitions.apiextensions.k8s.io';
        const problem = describeApiError(error, { action: `get CRD ${name}`, server, permission });
        return fail(problem.reason, problem.message);
      }
    }),
  );
  const present = new Set<string>();
  for (const [position, lookup] of lookups.entries()) {
    if (!lookup.ok) return lookup;
    const crd = REQUIRED_CRDS[position];
    if (lookup.value && crd) present.add(crd.name);
  }
  const missing = missingCrdsReason(present);
  if (missing !== undefined) return fail('CrdMissing', missing);

  // Discovery: the versions of the group, then the resources each of them serves.
  let groupVersions: string[];
  try {
    const apis = kubeConfig.makeApiClient(ApisApi);
    const groups = await call((options) => apis.getAPIVersions(options));
    groupVersions = (groups.groups ?? []).find((group) => group.name === KAITO_GROUP)?.versions.map((entry) => entry.version) ?? [];
  } catch (error) {
    const problem = describeApiError(error, { action: 'discover API groups', server, permission: 'get on /apis (discovery)' });
    return fail(problem.reason, problem.message);
  }
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const served = new Map<string, readonly string[]>();
  for (const version of groupVersions) {
    try {
      const list = await call((options) => custom.getAPIResources({ group: KAITO_GROUP, version }, options));
      served.set(
        version,
        (list.resources ?? []).map((resource) => resource.name),
      );
    } catch (error) {
      // A version dropped between the two calls is simply not served.
      if (statusOf(error) === 404) continue;
      const problem = describeApiError(error, {
        action: `discover ${KAITO_GROUP}/${version}`,
        server,
        permission: 'get on /apis (discovery)',
      });
      return fail(problem.reason, problem.message);
    }
  }
  const versions: Record<string, string> = {};
  for (const { plural } of RESOURCES) {
    const choice = chooseVersion(plural, served);
    if (!choice.ok) return choice;
    versions[plural] = choice.value;
  }
  return ok(versions);
}

const METRIC = 'kks_discovery';
const NAMES = [`${METRIC}_objects`, `${METRIC}_ready`, `${METRIC}_watch_restarts_total`, `${METRIC}_lists_total`] as const;

function registerMetrics(registry: Registry, index: DiscoveryIndex, ready: () => boolean) {
  new Gauge({
    name: `${METRIC}_objects`,
    help: 'Objects in the discovery cache, by resource',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      this.set({ resource: `inferencesets.${KAITO_GROUP}` }, index.size('InferenceSet'));
      this.set({ resource: `workspaces.${KAITO_GROUP}` }, index.size('Workspace'));
    },
  });
  new Gauge({
    name: `${METRIC}_ready`,
    help: '1 once the InferenceSet and Workspace caches are synced, else 0',
    registers: [registry],
    collect() {
      this.set(ready() ? 1 : 0);
    },
  });
  const restarts = new Counter({
    name: `${METRIC}_watch_restarts_total`,
    help: 'Watches that ended and were restarted, by reason: closed (resumed), expired (410 Gone, relisted), error (retried with backoff)',
    labelNames: ['resource', 'reason'] as const,
    registers: [registry],
  });
  const lists = new Counter({
    name: `${METRIC}_lists_total`,
    help: 'Full lists of a resource, by result',
    labelNames: ['resource', 'result'] as const,
    registers: [registry],
  });
  return {
    restarts,
    lists,
    unregister() {
      for (const name of NAMES) registry.removeSingleMetric(name);
    },
  };
}
