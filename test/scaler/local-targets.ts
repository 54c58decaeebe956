import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gauge } from '../support/hostile-targets.js';

/**
 * Local HTTP servers standing in for vLLM replicas: each records what it was asked and
 * how many connections it saw, and answers with the handler given.
 */
export interface LocalTarget {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Request URLs (path and query) in arrival order. */
  readonly requests: string[];
  readonly headers: IncomingMessage['headers'][];
  /** Connections opened so far, and those still open. */
  readonly connections: { opened: number; open: number };
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startTarget(handler: Handler, tls?: { key: string; cert: string }): Promise<LocalTarget> {
  const requests: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const connections = { opened: 0, open: 0 };
  const sockets = new Set<Socket>();
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request.url ?? '');
    headers.push(request.headers);
    handler(request, response);
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections.opened += 1;
    connections.open += 1;
    sockets.add(socket);
    socket.on('close', () => {
      connections.open -= 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    headers,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers `body` as the classic text format. */
export const page =
  (body: string, delayMs = 0): Handler =>
  (_request, response) => {
    const send = () => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };

/** A gauge page of `vllm:num_requests_waiting` with one series per value. */
export const waiting = gauge;

/** Accepts the request and never answers. */
export const hang: Handler = () => {};

/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126) and its key,
 * made for these tests only.
 */
export function httpsTargetCertificate(): { key: string; cert: string } {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8');
  return { key: read('https-target.key'), cert: read('https-target.crt') };
}
