import type { FromSchema } from 'json-schema-to-ts';
import { loggingOptions } from './logging-options.js';

const port = (fallback: number, what: string) =>
  ({ type: 'integer', minimum: 1, maximum: 65535, default: fallback, description: what }) as const;

/** Options of `keda-kaito-scaler scaler`, the KEDA external scaler. */
export const scalerOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    grpcPort: port(10450, 'port of the gRPC server KEDA calls (mTLS)'),
    httpPort: port(10451, 'port of /healthz, /readyz and /metrics (plain HTTP)'),
    host: {
      type: 'string',
      minLength: 1,
      default: '0.0.0.0',
      description: 'address both servers listen on ("::" for IPv6, 127.0.0.1 to stay on this machine)',
    },
    tlsDir: {
      type: 'string',
      minLength: 1,
      default: '/etc/keda-kaito-scaler/tls',
      description:
        'folder with ca.crt (CAs trusted to sign clients), tls.crt and tls.key (the server certificate); reloaded when it changes',
    },
    targets: {
      type: 'string',
      minLength: 1,
      description: "a YAML file of InferenceSets and their replicas' host:port, used instead of the Kubernetes API",
    },
    kubeconfig: {
      type: 'string',
      minLength: 1,
      description: 'kubeconfig file for the Kubernetes API (default: in-cluster, else $KUBECONFIG or ~/.kube/config)',
    },
    scrapeConcurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 10_000,
      default: 128,
      description: 'most replicas scraped at once, across all calls; one InferenceSet may use half of it, one namespace three quarters',
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: 256 * 1024 * 1024,
      default: 1024 * 1024,
      description: 'largest /metrics answer read from a replica, in bytes; a larger one counts as missing',
    },
    defaultDeadlineMs: {
      type: 'integer',
      minimum: 100,
      maximum: 60_000,
      default: 3000,
      description:
        "deadline of a call that carries none, in milliseconds: KEDA's scale loop sets none, and its metrics server's calls " +
        'inherit a 3 s timeout',
    },
    shutdownGraceMs: {
      type: 'integer',
      minimum: 0,
      maximum: 600_000,
      default: 10_000,
      description: 'on SIGTERM, how long calls in flight may take to finish, in milliseconds',
    },
    sampleInterval: {
      type: 'number',
      minimum: 0.1,
      maximum: 300,
      default: 15,
      description: 'seconds between two samples of each windowed metric (windowed-avg, percentile, rate)',
    },
    maxSampledKeys: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description: 'most windowed metrics (InferenceSet, family, scrape settings) sampled at once; beyond it a new one is refused',
    },
    record: {
      type: 'string',
      minLength: 1,
      description: 'folder in which to record every measurement as JSON lines, for `simulate --replay` (default: not recorded)',
    },
    recordMaxBytes: {
      type: 'integer',
      minimum: 4096,
      maximum: 1024 * 1024 * 1024,
      default: 16 * 1024 * 1024,
      description: 'size at which the record file is rotated, in bytes',
    },
    recordFiles: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 4,
      description: 'rotated record files kept besides the current one (the oldest is deleted)',
    },
    ...loggingOptions,
  },
} as const;

export type ScalerOptions = Readonly<FromSchema<typeof scalerOptionsSchema>>;
