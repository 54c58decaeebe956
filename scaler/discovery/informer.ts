import {
  ADD,
  CustomObjectsApi,
  DELETE,
  ERROR,
  ListWatch,
  UPDATE,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import { fail, ok, type Problem, type Result } from '../../lib/result.js';
import { within } from '../../lib/wait.js';
import { slimObject, type Kind, type SlimObject } from './cache.js';
import { bounded, describeApiError, statusOf } from './kube-client.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';

/** How long `stop()` waits for a watch request still waiting for its answer's headers. */
const STOP_WAIT_MS = 2000;

export interface InformerSettings {
  /** Backoff of restarts after a failed list or watch. */
  readonly retry: RetryPolicy;
  /** Bound on each list page request. */
  readonly requestTimeoutMs: number;
  /** Asked of the API server for each watch; a watch still open well after it is cut. */
  readonly watchTimeoutSeconds: number;
  /** Least time between two watch requests, so a server that closes watches at once is not hammered. */
  readonly minWatchIntervalMs: number;
  /** Objects per list page: bounds the memory a list of thousands of full objects takes. */
  readonly pageSize: number;
  readonly random: () => number;
}

/** Why a watch ended: closed by the server (resume), resourceVersion expired (relist), or failed (retry). */
export type RestartReason = 'closed' | 'expired' | 'error';

export interface InformerListener {
  put(object: SlimObject): void;
  delete(object: SlimObject): void;
  /** The first list has been applied: the cache is usable. */
  synced(): void;
  /** `problem()` changed. */
  changed(): void;
  /** The API server does not serve the resource at this version any more (404). */
  gone(problem: Problem): void;
  restarted(reason: RestartReason): void;
  listed(result: 'ok' | 'error'): void;
}

export interface InformerOptions {
  readonly kubeConfig: KubeConfig;
  readonly kind: Kind;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly log: Logger;
  readonly settings: InformerSettings;
  readonly listener: InformerListener;
}

export interface Informer {
  synced(): boolean;
  /** The last failure, until a list or a watch succeeds again. */
  problem(): Problem | undefined;
  stop(): Promise<void>;
}

export interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/** Reads one page of a list answer; anything but `{metadata, items: [...]}` is an error. */
export function parseListPage(page: unknown): Result<ListPage> {
  if (typeof page !== 'object' || page === null || Array.isArray(page)) return fail('MalformedList', 'the list answer is not an object');
  const { items, metadata } = page as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } };
  if (items !== undefined && items !== null && !Array.isArray(items)) return fail('MalformedList', 'the list answer has no items array');
  const resourceVersion = metadata?.resourceVersion;
  const token = metadata?.continue;
  return ok({
    items: Array.isArray(items) ? items : [],
    resourceVersion: typeof resourceVersion === 'string' ? resourceVersion : '',
    continueToken: typeof token === 'string' && token !== '' ? token : undefined,
  });
}

/**
 * A cluster-wide list+watch of one custom resource on client-node's ListWatch, which keeps
 * the resourceVersion, resumes a closed watch from it and relists on 410 Gone, but stops for
 * good on any other error. Around it, this adds what a long-running scaler needs:
 *  - objects are reduced to their metadata on arrival (lists and watch events alike);
 *  - lists are paged, so that thousands of full objects are never in memory at once;
 *  - a failed list or watch is retried with capped backoff, resuming from the last
 *    resourceVersion when there is one;
 *  - watches ask for bookmarks and a server-side timeout, and are cut if still open well
 *    after it (a silently dead connection);
 *  - a 404 is reported to the owner (the CRD or version went away) instead of retried;
 *  - `stop()` cancels lists, watches and timers, including a watch that was being opened.
 */
export function startInformer(options: InformerOptions): Informer {
  const { kubeConfig, kind, group, version, plural, log, settings, listener } = options;
  const resource = `${plural}.${group}`;
  const where = `${resource}/${version}`;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const server = kubeConfig.getCurrentCluster()?.server ?? 'unknown';
  const stopping = new AbortController();
  let synced = false;
  let problem: Problem | undefined;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let lastWatchStart = Number.NEGATIVE_INFINITY;
  /** Settles once the latest watch request has its answer (or failed). */
  let opened: Promise<void> = Promise.resolve();

  const setProblem = (next: Problem | undefined) => {
    if (next?.message === problem?.message) return;
    problem = next;
    listener.changed();
  };

  const list = async (): Promise<KubernetesListObject<SlimObject>> => {
    const items: SlimObject[] = [];
    let skipped = 0;
    let example: string | undefined;
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const request = { group, version, plural, limit: settings.pageSize, _continue: continueToken };
      const answer: unknown = await bounded(stopping.signal, settings.requestTimeoutMs, (call) =>
        api.listClusterCustomObject(request, call),
      );
      const page = parseListPage(answer);
      if (!page.ok) throw new Error(page.problem.message);
      for (const raw of page.value.items) {
        const slim = slimObject(kind, raw);
        if (slim.ok) items.push(slim.value);
        else {
          skipped += 1;
          example ??= slim.problem.message;
        }
      }
      continueToken = page.value.continueToken;
      resourceVersion = page.value.resourceVersion;
    } while (continueToken !== undefined);
    if (skipped > 0) log.warn({ resource, version, skipped, example }, `ignored ${skipped} malformed ${kind} object(s) in the list`);
    log.debug({ resource, version, objects: items.length, resourceVersion }, `listed ${resource}`);
    listener.listed('ok');
    setProblem(undefined);
    return { metadata: { resourceVersion }, items };
  };

  class SlimWatch extends Watch {
    override async watch(
      path: string,
      queryParams: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
      done: (err: unknown) => void,
    ): Promise<AbortController> {
      // ListWatch asks for a watch only once the list has been applied to the cache.
      if (!synced) {
        synced = true;
        listener.synced();
      }
      const wait = lastWatchStart + settings.minWatchIntervalMs - Date.now();
      if (wait > 0) await sleep(wait, stopping.signal);
      if (stopping.signal.aborted) return new AbortController();
      lastWatchStart = Date.now();

      let finished = false;
      let expired = false;
      let controller: AbortController | undefined;
      const watchdog = setTimeout(() => controller?.abort(), (settings.watchTimeoutSeconds + 30) * 1000);
      watchdog.unref();
      const onEvent = (phase: string, object: unknown) => {
        if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
          const slim = slimObject(kind, object);
          if (!slim.ok) {
            log.warn({ resource, version, phase, problem: slim.problem.message }, `ignored a malformed ${kind} watch event`);
            return;
          }
          callback(phase, slim.value);
          return;
        }
        if (phase === 'ERROR') {
          expired ||= statusOf(object) === 410;
          log.debug({ resource, version, status: object }, 'watch error event');
        }
        callback(phase, object);
      };
      const onDone = (error: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        if (stopping.signal.aborted) return;
        const reason: RestartReason = expired || statusOf(error) === 410 ? 'expired' : error ? 'error' : 'closed';
        listener.restarted(reason);
        if (reason === 'expired') log.info({ resource, version }, `watch of ${resource} expired (410 Gone): listing again`);
        else if (reason === 'closed') log.debug({ resource, version }, `watch of ${resource} closed: resuming`);
        done(error);
      };
      const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: settings.watchTimeoutSeconds };
      // client-node hands out the watch's AbortController only once the answer's headers are
      // in: until then `stop()` cannot cancel it, so it waits for this promise instead.
      const opening = super.watch(path, params, onEvent, onDone);
      opened = opening.then(
        () => undefined,
        () => undefined,
      );
      controller = await opening;
      if (stopping.signal.aborted) controller.abort();
      else if (!finished) {
        failures = 0;
        setProblem(undefined);
      }
      return controller;
    }
  }

  const informer = new ListWatch<SlimObject>(`/apis/${group}/${version}/${plural}`, new SlimWatch(kubeConfig), list, false);
  informer.on(ADD, (object) => listener.put(object));
  informer.on(UPDATE, (object) => listener.put(object));
  informer.on(DELETE, (object) => listener.delete(object));
  informer.on(ERROR, (error: unknown) => {
    if (stopping.signal.aborted) return;
    const listing = informer.latestResourceVersion() === '';
    if (listing) listener.listed('error');
    const action = `${listing ? 'list' : 'watch'} ${where}`;
    if (statusOf(error) === 404) {
      const gone = { reason: 'ResourceGone', message: `${action}: not served (404)` };
      setProblem(gone);
      listener.gone(gone);
      return;
    }
    const failure = describeApiError(error, { action, server, permission: `get, list and watch on ${resource}` });
    const delay = retryDelay(failures, settings.retry, settings.random());
    failures += 1;
    log.warn({ resource, version, reason: failure.reason, retryInMs: delay }, failure.message);
    setProblem(failure);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!stopping.signal.aborted) run();
    }, delay);
  });
  const run = () => {
    informer.start().catch((error: unknown) => log.error({ err: error, resource }, `informer of ${resource} failed`));
  };
  run();

  return {
    synced: () => synced,
    problem: () => problem,
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      clearTimeout(restartTimer);
      await informer.stop();
      await within(opened, STOP_WAIT_MS);
    },
  };
}
