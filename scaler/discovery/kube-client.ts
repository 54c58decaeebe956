import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Observable, type ConfigurationOptions } from '@kubernetes/client-node';
import type { Problem } from '../../lib/result.js';
import { clip } from '../../lib/text.js';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fileExists: (path: string) => boolean;
  readonly home: string;
}

const processEnvironment = (): KubeConfigEnvironment => ({ env: process.env, fileExists: existsSync, home: homedir() });

export type KubeConfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'in-cluster' }
  | { readonly kind: 'default' };

/**
 * Where the credentials come from: the `--kubeconfig` file if given; else the Pod's
 * ServiceAccount when running in a cluster; else `$KUBECONFIG` or `~/.kube/config`.
 * Undefined when there is none of these (the scaler cannot reach any cluster).
 */
export function kubeConfigSource(path: string | undefined, environment: KubeConfigEnvironment): KubeConfigSource | undefined {
  if (path !== undefined && path !== '') return { kind: 'file', path };
  const { env, fileExists, home } = environment;
  if (env['KUBERNETES_SERVICE_HOST'] && fileExists(SERVICE_ACCOUNT_TOKEN)) return { kind: 'in-cluster' };
  if (env['KUBECONFIG'] || fileExists(join(home, '.kube', 'config'))) return { kind: 'default' };
  return undefined;
}

/** Loads the credentials; throws with a message naming the source when they cannot be read. */
export function loadKubeConfig(path?: string, environment: KubeConfigEnvironment = processEnvironment()): KubeConfig {
  const source = kubeConfigSource(path, environment);
  if (!source) {
    throw new Error(
      'no Kubernetes credentials: not running in a cluster, no --kubeconfig, no $KUBECONFIG and no ~/.kube/config ' +
        '(or use --targets for static discovery)',
    );
  }
  const kubeConfig = new KubeConfig();
  try {
    if (source.kind === 'file') kubeConfig.loadFromFile(source.path);
    else if (source.kind === 'in-cluster') kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new Error(`cannot load the kubeconfig (${describeSource(source)}): ${(error as Error).message}`);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) throw new Error(`the kubeconfig (${describeSource(source)}) names no current cluster`);
  return kubeConfig;
}

function describeSource(source: KubeConfigSource): string {
  if (source.kind === 'file') return source.path;
  return source.kind === 'in-cluster' ? 'in-cluster ServiceAccount' : '$KUBECONFIG or ~/.kube/config';
}

/**
 * Runs one API call with a signal that aborts when `stop` does or after `timeoutMs`, and
 * drops the timer and the listener once the call settles (a long-lived `stop` signal must
 * not collect a listener per call).
 */
export async function bounded<T>(stop: AbortSignal, timeoutMs: number, call: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (stop.aborted) abort();
  else stop.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, timeoutMs);
  try {
    return await call(withSignal(controller.signal));
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
  }
}

/** Per-call options for client-node's generated APIs that attach an AbortSignal to the request. */
export function withSignal(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The HTTP status of a failed call: `code` on client-node's ApiException, `statusCode` on its Watch errors. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

export interface CallContext {
  /** What was being done, e.g. `get CRD inferencesets.kaito.sh`. */
  readonly action: string;
  /** The API server's URL, for messages about reaching it. */
  readonly server: string;
  /** The RBAC rule the scaler's ServiceAccount needs for this call. */
  readonly permission: string;
}

/** Longest part of an API server's answer quoted in a message. */
const MAX_QUOTED = 200;

/**
 * Turns a failed API call into a reason code and one line an operator can act on. Network
 * failures, timeouts, refused credentials and missing permissions each say what to check.
 */
export function describeApiError(error: unknown, context: CallContext): Problem {
  const status = statusOf(error);
  const { action, server, permission } = context;
  if (status === 401) {
    return {
      reason: 'Unauthorized',
      message: `${action}: the API server refused the credentials (401): check the kubeconfig or the ServiceAccount token`,
    };
  }
  if (status === 403) {
    return { reason: 'Forbidden', message: `${action}: forbidden (403): the scaler's ServiceAccount needs ${permission}` };
  }
  if (status !== undefined) {
    const detail = statusMessage(error);
    return { reason: 'ApiError', message: `${action}: the API server answered ${status}${detail ? ` (${detail})` : ''}` };
  }
  const { name, code } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { reason: 'ApiUnreachable', message: `${action}: no answer from the API server ${server} in time` };
  }
  const message = clip(error instanceof Error ? error.message : String(error), MAX_QUOTED);
  // Network and TLS failures carry a system code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED...).
  if (typeof code === 'string')
    return { reason: 'ApiUnreachable', message: `${action}: cannot reach the API server ${server}: ${message}` };
  return { reason: 'ApiError', message: `${action}: unexpected answer from the API server: ${message}` };
}

/** The `message` of the Kubernetes Status in an error body, if there is one. */
function statusMessage(error: unknown): string | undefined {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (body as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message !== '' ? clip(message, MAX_QUOTED) : undefined;
}
