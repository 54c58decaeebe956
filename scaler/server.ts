import { Server, type ServerCredentials } from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import type { Logger } from '../lib/log.js';
import { logRefusedHandshakes } from './handshake-log.js';
import { ExternalScalerService, type ExternalScalerServer } from './generated/externalscaler.js';

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly credentials: ServerCredentials;
  readonly handlers: ExternalScalerServer;
  readonly log: Logger;
}

export interface GrpcServer {
  /** The port bound (the OS picks one when asked for 0). */
  readonly port: number;
  /**
   * Stops accepting calls, lets the ones in flight finish, and cuts what is still open
   * after `graceMs`.
   */
  stop(graceMs: number): Promise<void>;
}

/** Trigger metadata is a few hundred bytes; nothing legitimate comes near this. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

export function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    // Notice peers that vanished without closing (a node lost, a NAT entry dropped).
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
  });
  server.addService(ExternalScalerService, options.handlers);
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(options.host, options.port), options.credentials, (error, port) => {
      if (error) return reject(new Error(`cannot listen for gRPC on ${hostPort(options.host, options.port)}: ${error.message}`));
      options.log.info({ port }, 'gRPC listening');
      logRefusedHandshakes(listeningServers(server, options.log), options.log);
      resolve({ port, stop: (graceMs) => stop(server, graceMs, options.log) });
    });
  });
}

/**
 * grpc-js keeps its Node TLS servers to itself and drops their handshake errors; their map is
 * private, so its absence (another grpc-js) is said once rather than failing the scaler.
 * test/scaler/server.test.ts checks it against the grpc-js installed.
 */
function listeningServers(server: Server, log: Logger): EventEmitter[] {
  const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (servers instanceof Map) return [...servers.keys()];
  log.warn('this grpc-js does not show its TLS servers: refused handshakes will not be logged');
  return [];
}

function stop(server: Server, graceMs: number, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ graceMs }, 'gRPC calls still open after the grace period: closing them');
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
