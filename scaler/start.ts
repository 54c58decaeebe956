import type { Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { envName, flagName } from '../schemas/flags.js';
import { close, listen } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { checkPortFree, listenProblem, type PortUse } from '../lib/ports.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { ScalerOptions } from '../schemas/scaler-options.js';
import type { Discovery } from './discovery/discovery.js';
import { createHealthServer } from './health.js';
import type { CoreOptions } from './core.js';
import { createRecorder } from './record.js';
import { startGrpcServer, type GrpcServer } from './server.js';
import { externalScalerHandlers } from './rpc-handlers.js';
import { createScalerService, type ScalerCore } from './service.js';
import { ReloadableServerCredentials, startTlsSource, type TlsSource } from './tls.js';

/** What the shell needs from the scaler's core and discovery; tests pass their own. */
export interface ScalerParts {
  createCore(options: CoreOptions): ScalerCore & { close(): void };
  startDiscovery(options: { targets?: string; kubeconfig?: string; registry: Registry; log: Logger }): Promise<Result<Discovery>>;
}

export interface RunningScaler {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly registry: Registry;
  readonly tls: TlsSource;
  /** Empty when the scaler can serve KEDA. */
  notReadyReasons(): string[];
  /** Stops accepting calls, drains those in flight (up to `shutdownGraceMs`), then stops everything else. */
  stop(): Promise<void>;
}

/**
 * Starts the scaler. gRPC listens at once but refuses connections until `--tls-dir` holds
 * a valid set; `/readyz` says why it is not ready meanwhile. A targets file or Kubernetes
 * configuration that cannot be used is an error: the command exits with its message.
 */
export async function startScaler(options: ScalerOptions, log: Logger, parts: ScalerParts): Promise<Result<RunningScaler>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const discovery = await parts.startDiscovery({ targets: options.targets, kubeconfig: options.kubeconfig, registry, log });
  if (!discovery.ok) return discovery;

  const credentials = new ReloadableServerCredentials();
  const tls = await startTlsSource({ dir: options.tlsDir, credentials, log });
  new Gauge({
    name: 'kks_tls_certificate_expiry_timestamp_seconds',
    help: 'When the server certificate in use expires (Unix time); absent until one is loaded',
    registers: [registry],
    collect() {
      this.reset();
      const current = tls.current();
      if (current) this.set(current.notAfter.getTime() / 1000);
    },
  });

  const recorder =
    options.record === undefined
      ? undefined
      : createRecorder({ dir: options.record, maxBytes: options.recordMaxBytes, files: options.recordFiles, log });
  const core = parts.createCore({
    registry,
    log,
    concurrency: options.scrapeConcurrency,
    maxBodyBytes: options.maxBodyBytes,
    sampleIntervalMs: options.sampleInterval * 1000,
    maxSampledKeys: options.maxSampledKeys,
    ...(recorder && { observe: recorder.observe }),
  });
  const handlers = externalScalerHandlers(createScalerService(core, discovery.value), {
    log,
    registry,
    defaultDeadlineMs: options.defaultDeadlineMs,
  });

  let stopping = false;
  const notReadyReasons = (): string[] => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    const tlsReason = tls.notReadyReason();
    if (tlsReason) reasons.push(tlsReason);
    if (!discovery.value.ready()) reasons.push(discovery.value.notReadyReason() ?? 'discovery has not synced yet');
    return reasons;
  };

  let grpc: GrpcServer | undefined;
  let health: Server | undefined;
  const stopRest = async () => {
    core.close();
    recorder?.close();
    tls.close();
    await discovery.value.stop();
    if (health) await close(health, 1000);
  };
  const grpcUse = portUse('grpcPort', options.grpcPort, "the scaler's gRPC server");
  const httpUse = portUse('httpPort', options.httpPort, "the scaler's health and metrics server");
  try {
    // grpc-js says only that no address was added (and prints it to stderr): try the port first.
    const grpcFree = await checkPortFree(grpcUse, options.host);
    if (!grpcFree.ok) throw new Error(grpcFree.problem.message);
    grpc = await startGrpcServer({ host: options.host, port: options.grpcPort, credentials, handlers, log });
    health = createHealthServer({
      registry,
      notReadyReasons,
      warnings: () => [tls.rejectedReason()].filter((reason) => reason !== undefined),
    });
    const httpPort = await listen(health, options.httpPort, options.host).catch((error: unknown) => {
      throw new Error(listenProblem(httpUse, options.host, error));
    });
    log.info(
      { grpcPort: grpc.port, httpPort, tlsDir: options.tlsDir, discovery: options.targets ? 'static' : 'kubernetes' },
      'scaler started',
    );
    const running = grpc;
    return ok({
      grpcPort: running.port,
      httpPort,
      registry,
      tls,
      notReadyReasons,
      async stop() {
        stopping = true;
        await running.stop(options.shutdownGraceMs);
        await stopRest();
      },
    });
  } catch (error) {
    await grpc?.stop(0);
    await stopRest();
    return fail('CannotListen', (error as Error).message);
  }
}

const portUse = (property: 'grpcPort' | 'httpPort', port: number, what: string): PortUse => ({
  port,
  flag: `--${flagName(property)}`,
  env: envName(property),
  what,
});
