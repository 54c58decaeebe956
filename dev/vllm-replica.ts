import { createServer } from 'node:http';
import { close, listen } from '../lib/lifecycle.js';
import { renderExposition } from './exposition.js';
import { advance, createVllmState, families } from './vllm-metrics.js';

export interface ReplicaOptions {
  readonly host?: string;
  /** 0 (default) lets the OS pick. */
  readonly port?: number;
  readonly model?: string;
  readonly engines?: number;
  readonly seed?: number;
}

export interface Replica {
  readonly port: number;
  readonly url: string;
  /** Moves the simulated server forward at this load. */
  advance(seconds: number, load: { waiting: number; running: number }): void;
  /** While false, every connection is reset without an answer. */
  setReachable(reachable: boolean): void;
  close(): Promise<void>;
}

/**
 * A stand-in for one vLLM replica: `GET /metrics` serves the page a vLLM V1 server would,
 * and honours `?name[]=<sample name>` as prometheus_client does.
 */
export async function startReplica(options: ReplicaOptions = {}): Promise<Replica> {
  const state = createVllmState({
    now: Date.now(),
    ...(options.model ? { model: options.model } : {}),
    ...(options.engines ? { engines: options.engines } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
  });
  let reachable = true;

  const server = createServer((request, response) => {
    if (!reachable) {
      request.socket.destroy();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://replica');
    if (request.method !== 'GET' || url.pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    const names = url.searchParams.getAll('name[]');
    const body = renderExposition(families(state), names.length > 0 ? new Set(names) : undefined);
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);

  return {
    port,
    url: `http://${host}:${port}/metrics`,
    advance: (seconds, load) => advance(state, seconds, load),
    setReachable(value) {
      reachable = value;
      if (!value) server.closeAllConnections();
    },
    close: () => close(server, 1000),
  };
}
