import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  type GetMetricSpecResponse,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from '../scaler/generated/externalscaler.js';
import { connectScaler } from '../scaler/query.js';
import type { Answer } from './display.js';

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

export interface KedaClientOptions {
  readonly address: string;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The name to verify in the server certificate, when the address is not one of its names. */
  readonly serverName?: string;
  readonly ref: ScaledObjectRef;
  readonly timeoutMs: number;
}

type Callback<T> = (error: ServiceError | null, response?: T) => void;

function call<T>(invoke: (callback: Callback<T>) => void): Promise<Answer<T>> {
  return new Promise((resolve) => {
    invoke((error, response) => {
      if (error || response === undefined) {
        resolve({ ok: false, code: status[error?.code ?? status.UNKNOWN] ?? String(error?.code), message: error?.details ?? 'no answer' });
      } else {
        resolve({ ok: true, value: response });
      }
    });
  });
}

export function createKedaClient(options: KedaClientOptions): KedaClient {
  const client = connectScaler(options.address, options, options.serverName);
  const deadline = () => ({ deadline: Date.now() + options.timeoutMs });
  return {
    getMetricSpec: () => call<GetMetricSpecResponse>((callback) => client.getMetricSpec(options.ref, new Metadata(), deadline(), callback)),
    async poll(metricName) {
      const metrics = await call<GetMetricsResponse>((callback) =>
        client.getMetrics({ scaledObjectRef: options.ref, metricName }, new Metadata(), deadline(), callback),
      );
      const active = await call<IsActiveResponse>((callback) => client.isActive(options.ref, new Metadata(), deadline(), callback));
      return { metrics, active };
    },
    close: () => client.close(),
  };
}
