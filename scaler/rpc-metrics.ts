import { status } from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface RpcMetrics {
  /** One answered call: its method, its gRPC status, and when it arrived (`performance.now()`). */
  record(method: string, code: status, started: number): void;
}

/** `kks_rpc_requests_total` and `kks_rpc_duration_seconds`, registered in `registry`. */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const handled = new Counter({
    name: 'kks_rpc_requests_total',
    help: 'RPCs answered, by method and gRPC status code.',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kks_rpc_duration_seconds',
    help: 'Time from receiving an RPC to answering it, by method.',
    labelNames: ['method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [registry],
  });
  return {
    record(method, code, started) {
      handled.inc({ method, code: status[code] });
      latency.observe({ method }, (performance.now() - started) / 1000);
    },
  };
}
