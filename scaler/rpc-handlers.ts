import { status, type Deadline, type handleUnaryCall, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { abbreviate, untrusted } from '../lib/text.js';
import type {
  ExternalScalerServer,
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from './generated/externalscaler.js';
import { createRpcMetrics } from './rpc-metrics.js';
import type { RpcResult, ScalerService } from './service.js';

/** Longest caller-supplied text in a log line. */
const MAX_LOGGED = 320;
/** Longest status message sent back: well under grpc-js's header limits (8 KB by default on either side). */
const MAX_DETAILS = 4096;

/** The epoch ms by which an answer is due: the call's deadline, or `defaultMs` from now without one. */
export function deadlineFor(deadline: Deadline, now: number, defaultMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at : now + defaultMs;
}

export interface HandlerOptions {
  readonly log: Logger;
  readonly registry: Registry;
  /** Deadline for calls that carry none. */
  readonly defaultDeadlineMs: number;
}

/** gRPC handlers around the service: deadlines, status codes, logs and metrics (rpc-metrics.ts). */
export function externalScalerHandlers(service: ScalerService, options: HandlerOptions): ExternalScalerServer {
  const { log } = options;
  const { record } = createRpcMetrics(options.registry);

  const unary =
    <Req, Res>(
      method: string,
      describe: (request: Req) => ScaledObjectRef | undefined,
      run: (request: Req, deadline: number) => RpcResult<Res> | Promise<RpcResult<Res>>,
    ): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback) => {
      const started = performance.now();
      const ref = describe(call.request);
      // Whatever the caller sent, cut: a 10 MB name makes no 10 MB log line.
      const context = {
        method,
        scaledObject: ref ? untrusted(`${ref.namespace}/${ref.name}`, MAX_LOGGED) : undefined,
        inferenceSet: ref
          ? untrusted(`${ref.scalerMetadata['inferenceSetNamespace'] ?? ''}/${ref.scalerMetadata['inferenceSetName'] ?? ''}`, MAX_LOGGED)
          : undefined,
        peer: call.getPeer(),
      };
      Promise.resolve()
        .then(() => run(call.request, deadlineFor(call.getDeadline(), Date.now(), options.defaultDeadlineMs)))
        .then(
          (result) => {
            if (result.ok) {
              record(method, status.OK, started);
              log.debug({ ...context, response: result.value }, 'rpc answered');
              callback(null, result.value);
            } else {
              const { code, reason, message } = result.problem;
              record(method, code, started);
              log.warn({ ...context, code: status[code], reason, err: message }, 'rpc failed');
              // grpc-js sends details in a trailer; one over its header limits hangs the call and the next.
              callback({ code, details: abbreviate(message, MAX_DETAILS) });
            }
          },
          (error: unknown) => {
            record(method, status.INTERNAL, started);
            log.error({ ...context, err: error }, 'rpc failed unexpectedly');
            callback({ code: status.INTERNAL, details: `internal error in ${method}` });
          },
        );
    };

  return {
    getMetricSpec: unary<ScaledObjectRef, GetMetricSpecResponse>(
      'GetMetricSpec',
      (ref) => ref,
      (ref) => service.getMetricSpec(ref),
    ),
    getMetrics: unary<GetMetricsRequest, GetMetricsResponse>(
      'GetMetrics',
      (request) => request.scaledObjectRef,
      (request, deadline) => service.getMetrics(request, deadline),
    ),
    isActive: unary<ScaledObjectRef, IsActiveResponse>(
      'IsActive',
      (ref) => ref,
      (ref, deadline) => service.isActive(ref, deadline),
    ),
    streamIsActive(call: ServerWritableStream<ScaledObjectRef, IsActiveResponse>) {
      const started = performance.now();
      record('StreamIsActive', status.UNIMPLEMENTED, started);
      call.emit('error', {
        code: status.UNIMPLEMENTED,
        details: 'StreamIsActive is not implemented: use a ScaledObject trigger of type "external", not "external-push"',
      });
    },
  };
}
