import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';

/** What a TLS peer holds: its trust bundle and, optionally, its own certificate and key. */
export interface Credentials {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Each side's view: `ok`, or the error code it saw. */
export interface Exchange {
  readonly server: string;
  readonly client: string;
}

/**
 * One mutual-TLS exchange over loopback with OpenSSL's own verification on both sides:
 * the server requires a client certificate and answers `pong`.
 */
export async function handshake(
  server: Credentials,
  client: Credentials,
  /** The name the client checks the server's certificate against; undefined: the address 127.0.0.1. */
  servername: string | undefined = 'keda-kaito-scaler-svc.keda.svc.cluster.local',
): Promise<Exchange> {
  let serverSide: (outcome: string) => void = () => {};
  const serverOutcome = new Promise<string>((resolve) => (serverSide = resolve));
  const tlsServer = createServer({ ...server, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (socket) => {
    serverSide('ok');
    socket.end('pong');
  });
  tlsServer.on('tlsClientError', (error: Error & { code?: string }) => serverSide(error.code ?? error.message));
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const { port } = tlsServer.address() as AddressInfo;
  try {
    const clientOutcome = await new Promise<string>((resolve) => {
      const socket = connect({ ...client, host: '127.0.0.1', port, minVersion: 'TLSv1.2', ...(servername ? { servername } : {}) });
      let reply = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (reply += chunk));
      socket.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
      socket.on('close', () => resolve(reply === 'pong' ? 'ok' : 'closed without a reply'));
    });
    // A client that gives up before the server decided leaves the server with a reset.
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('no outcome'), 2000).unref());
    return { server: await Promise.race([serverOutcome, timeout]), client: clientOutcome };
  } finally {
    tlsServer.close();
  }
}

export const OK: Exchange = { server: 'ok', client: 'ok' };
