import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../lib/log.js';

/**
 * Warnings for TLS handshakes the scaler refuses (no client certificate, a foreign CA, an
 * expired certificate): without them a KEDA that cannot connect leaves no trace on the
 * scaler's side. A client retrying in a loop would flood the log, so at most one warning is
 * written per interval; the next one says how many were left out meanwhile.
 */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

export interface Throttle {
  /** Whether to write the event at `at`, and how many events were left out before it. */
  admit(at: number): { readonly write: boolean; readonly leftOut: number };
}

export function createThrottle(intervalMs: number): Throttle {
  let lastWritten = -Infinity;
  let leftOut = 0;
  return {
    admit(at) {
      if (at - lastWritten < intervalMs) {
        leftOut += 1;
        return { write: false, leftOut };
      }
      const before = leftOut;
      lastWritten = at;
      leftOut = 0;
      return { write: true, leftOut: before };
    },
  };
}

export interface Refusal {
  readonly peer: string;
  readonly reason: string;
}

type Peer = Pick<Socket, 'remoteAddress' | 'remotePort'>;

const address = (socket: Peer): string | undefined => {
  const host = socket.remoteAddress;
  if (host === undefined) return undefined;
  return host.includes(':') ? `[${host}]:${socket.remotePort ?? '?'}` : `${host}:${socket.remotePort ?? '?'}`;
};

/**
 * Why a handshake failed: a client certificate that does not verify is in the socket's
 * `authorizationError` (Node then closes it, and the error itself only says "socket hang
 * up"); anything else is the error.
 */
export function refusalReason(error: Error & { code?: string }, authorizationError: unknown): string {
  if (authorizationError) return `client certificate refused: ${String((authorizationError as Error).message ?? authorizationError)}`;
  // OpenSSL's text is "<hex>:error:<hex>:SSL routines:<function>:<what>:<file>:<line>:".
  const what = /:SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1] ?? error.message;
  return error.code ? `${error.code}: ${what}` : what;
}

/**
 * Logs the refused handshakes of `servers` (TLS servers: `tlsClientError` events) at warn,
 * throttled. The peer's address is taken when it connects: Node has closed the socket by the
 * time it reports the error.
 */
export function logRefusedHandshakes(servers: Iterable<EventEmitter>, log: Logger, now: () => number = Date.now): void {
  const throttle = createThrottle(REFUSAL_LOG_INTERVAL_MS);
  const peers = new WeakMap<object, string>();
  for (const server of servers) {
    server.prependListener('connection', (socket: Socket) => {
      const peer = address(socket);
      if (peer) peers.set(socket, peer);
    });
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      const { write, leftOut } = throttle.admit(now());
      if (!write) return;
      // A TLS socket wraps the connection's socket (`_parent`, not part of Node's documented API).
      const peer = address(socket) ?? peers.get((socket as unknown as { _parent?: object })._parent ?? socket) ?? 'unknown';
      const reason = refusalReason(error, socket.authorizationError);
      log.warn({ peer, reason, ...(leftOut > 0 && { refusedSinceLastWarning: leftOut }) }, 'TLS handshake refused');
    });
  }
}
