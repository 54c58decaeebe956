import { fail, ok, type Result } from '../lib/result.js';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ExternalScalerClient,
  type GetMetricSpecResponse,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from './generated/externalscaler.js';

/** A gRPC answer: the response, or a problem whose reason is the status code name (`UNAVAILABLE`) and whose message is the details. */
export type Answer<T> = Result<T>;

export interface QueryAnswers {
  readonly getMetricSpec: Answer<GetMetricSpecResponse>;
  readonly getMetrics: Answer<GetMetricsResponse>;
  readonly isActive: Answer<IsActiveResponse>;
}

type Callback<Res> = (error: ServiceError | null, response?: Res) => void;

function answer<Res>(invoke: (callback: Callback<Res>) => void): Promise<Answer<Res>> {
  return new Promise((resolve) => {
    invoke((error, response) => {
      if (error || response === undefined) resolve(fail(status[error?.code ?? status.UNKNOWN] ?? String(error?.code), details(error)));
      else resolve(ok(response));
    });
  });
}

/** grpc-js ends the details of a failed connection with "Resolution note: " and nothing after it when DNS had nothing to say. */
const details = (error: ServiceError | null): string => (error?.details ?? 'no answer').replace(/\s*Resolution note:\s*$/, '');

export interface KedaClientOptions {
  readonly address: string;
  /** A KEDA-like identity: PEM CA bundle, client certificate and key. */
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The name to verify in the server certificate when the address is not one of its names (a port-forward, an IP address). */
  readonly serverName?: string;
  readonly ref: ScaledObjectRef;
  /** Deadline of each call. */
  readonly timeoutMs: number;
}

/**
 * Calls the scaler the way KEDA does for one ScaledObject trigger: GetMetricSpec when it
 * builds the HPA, then, every polling interval, GetMetrics with the spec's metric name and
 * IsActive right after it, each under a deadline, over mutual TLS.
 */
export interface KedaClient {
  getMetricSpec(): Promise<Answer<GetMetricSpecResponse>>;
  /** GetMetrics then IsActive. */
  poll(metricName: string): Promise<{ readonly metrics: Answer<GetMetricsResponse>; readonly active: Answer<IsActiveResponse> }>;
  close(): void;
}

export function createKedaClient(options: KedaClientOptions): KedaClient {
  const client = new ExternalScalerClient(
    options.address,
    credentials.createSsl(options.ca, options.key, options.cert),
    options.serverName ? { 'grpc.ssl_target_name_override': options.serverName, 'grpc.default_authority': options.serverName } : {},
  );
  const deadline = () => ({ deadline: Date.now() + options.timeoutMs });
  return {
    getMetricSpec: () =>
      answer<GetMetricSpecResponse>((callback) => client.getMetricSpec(options.ref, new Metadata(), deadline(), callback)),
    async poll(metricName) {
      const metrics = await answer<GetMetricsResponse>((callback) =>
        client.getMetrics({ scaledObjectRef: options.ref, metricName }, new Metadata(), deadline(), callback),
      );
      const active = await answer<IsActiveResponse>((callback) => client.isActive(options.ref, new Metadata(), deadline(), callback));
      return { metrics, active };
    },
    close: () => client.close(),
  };
}

/** GetMetricSpec, then GetMetrics with the spec's name (as KEDA does), then IsActive. */
export async function queryScaler(client: KedaClient): Promise<QueryAnswers> {
  const getMetricSpec = await client.getMetricSpec();
  const { metrics, active } = await client.poll(getMetricSpec.ok ? (getMetricSpec.value.metricSpecs[0]?.metricName ?? '') : '');
  return { getMetricSpec, getMetrics: metrics, isActive: active };
}
