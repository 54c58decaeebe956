import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ExternalScalerClient, type GetMetricSpecResponse, type ScaledObjectRef } from '../../scaler/generated/externalscaler.js';
import { percentile } from './report.js';

/**
 * KEDA-like load on the scaler: each cycle is what KEDA does for one ScaledObject, in its
 * order (GetMetricSpec, GetMetrics with the spec's name, IsActive), each call with a 3 s
 * deadline, over mTLS. Clients hold a connection each, as separate KEDA processes would.
 */
export const METHODS = ['GetMetricSpec', 'GetMetrics', 'IsActive'] as const;
export type Method = (typeof METHODS)[number];

export interface PhaseResult {
  readonly seconds: number;
  readonly cycles: number;
  /** Successful calls per method. */
  readonly ok: Readonly<Record<Method, number>>;
  /** Failed calls, by method and gRPC code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Sorted latencies (ms) of every call of a method, failed ones included. */
  readonly latencies: Readonly<Record<Method, readonly number[]>>;
}

export interface Load {
  /** Starts cycles at `perSecond` whatever the answers take (an open loop), for `durationMs`. */
  openLoop(perSecond: number, durationMs: number): Promise<PhaseResult>;
  /** Keeps `concurrency` cycles in flight (a closed loop) for `durationMs`. */
  closedLoop(concurrency: number, durationMs: number): Promise<PhaseResult>;
  close(): void;
}

export function createLoad(options: {
  readonly address: string;
  readonly tlsDir: string;
  readonly clients: number;
  readonly refs: readonly ScaledObjectRef[];
}): Load {
  const [ca, cert, key] = ['ca.crt', 'tls.crt', 'tls.key'].map((file) => readFileSync(join(options.tlsDir, file)));
  const clients = Array.from(
    { length: options.clients },
    // A channel of its own per client (grpc-js would otherwise share one connection).
    () => new ExternalScalerClient(options.address, credentials.createSsl(ca, key, cert), { 'grpc.use_local_subchannel_pool': 1 }),
  );
  let next = 0;

  const phase = () => {
    const latencies: Record<Method, number[]> = { GetMetricSpec: [], GetMetrics: [], IsActive: [] };
    const ok: Record<Method, number> = { GetMetricSpec: 0, GetMetrics: 0, IsActive: 0 };
    const errors: Record<string, number> = {};
    let cycles = 0;
    const call = <T>(method: Method, invoke: (callback: (error: ServiceError | null, response?: T) => void) => void) =>
      new Promise<T | undefined>((resolve) => {
        const started = performance.now();
        invoke((error, response) => {
          latencies[method].push(performance.now() - started);
          if (error || response === undefined) {
            const key = `${method} ${status[error?.code ?? status.UNKNOWN] ?? error?.code}`;
            errors[key] = (errors[key] ?? 0) + 1;
            resolve(undefined);
          } else {
            ok[method] += 1;
            resolve(response);
          }
        });
      });
    const cycle = async () => {
      const index = next;
      next += 1;
      const client = clients[index % clients.length] as ExternalScalerClient;
      const ref = options.refs[index % options.refs.length] as ScaledObjectRef;
      const deadline = () => ({ deadline: Date.now() + 3000 });
      const spec = await call<GetMetricSpecResponse>('GetMetricSpec', (callback) =>
        client.getMetricSpec(ref, new Metadata(), deadline(), callback),
      );
      const metricName = spec?.metricSpecs[0]?.metricName ?? '';
      await call('GetMetrics', (callback) => client.getMetrics({ scaledObjectRef: ref, metricName }, new Metadata(), deadline(), callback));
      await call('IsActive', (callback) => client.isActive(ref, new Metadata(), deadline(), callback));
      cycles += 1;
    };
    const result = (seconds: number): PhaseResult => {
      for (const method of METHODS) latencies[method].sort((a, b) => a - b);
      return { seconds, cycles, ok, errors, latencies };
    };
    return { cycle, result };
  };

  return {
    async openLoop(perSecond, durationMs) {
      const { cycle, result } = phase();
      const running = new Set<Promise<void>>();
      const started = performance.now();
      let launched = 0;
      while (performance.now() - started < durationMs) {
        const due = Math.floor(((performance.now() - started) / 1000) * perSecond) + 1;
        for (; launched < due; launched += 1) {
          const promise = cycle().finally(() => running.delete(promise));
          running.add(promise);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(running);
      return result(seconds);
    },
    async closedLoop(concurrency, durationMs) {
      const { cycle, result } = phase();
      const started = performance.now();
      const worker = async () => {
        while (performance.now() - started < durationMs) await cycle();
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return result((performance.now() - started) / 1000);
    },
    close() {
      for (const client of clients) client.close();
    },
  };
}

export const rate = (result: PhaseResult, method: Method): number => result.ok[method] / result.seconds;
export const p = (result: PhaseResult, method: Method, at: number): number => percentile(result.latencies[method], at);
export const errorCount = (result: PhaseResult): number => Object.values(result.errors).reduce((sum, count) => sum + count, 0);
