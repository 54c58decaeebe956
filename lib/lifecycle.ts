import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.js';

/** Resolves once the server listens; rejects (e.g. EADDRINUSE) instead of crashing the process. */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting, lets in-flight requests finish, and cuts what is still open after
 * `graceMs` so that shutdown is bounded even with a client that never reads its answer.
 * A keep-alive connection whose request is answered during the drain is closed as soon as
 * it is idle, rather than when the client or the keep-alive timeout gets round to it.
 */
export function close(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

const IDLE_SWEEP_MS = 50;

/** What SIGHUP does to a long-running command: re-read what it can, said in `what`. */
export interface Hangup {
  /** For the log line, e.g. "re-reading the TLS files". */
  readonly what: string;
  readonly reload: () => Promise<unknown>;
}

/** A SIGHUP that came while the command was starting, before `stopOnSignals` took over. */
let hangupWhileStarting = false;
const noteHangup = () => {
  hangupWhileStarting = true;
};

/**
 * Called first by the command line: until a command's `stopOnSignals` takes over, a SIGHUP
 * is noted instead of killing the process (Node's default), and handled once it does.
 */
export function deferHangups(): void {
  process.on('SIGHUP', noteHangup);
}

/**
 * Runs `stop` on the first SIGTERM or SIGINT and exits when it is done, or after
 * `graceMs` if it hangs. A second signal exits at once.
 *
 * SIGHUP (Node's default: exit at once, dropping everything in flight) never stops the
 * process: it runs `hangup.reload` when given, and is logged and ignored otherwise.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>, graceMs: number, hangup?: Hangup): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs + 1000);
    deadline.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const onHangup = () => {
    if (hangup === undefined) {
      log.info({ signal: 'SIGHUP' }, 'SIGHUP ignored: nothing to reload (SIGTERM stops the process)');
      return;
    }
    log.info({ signal: 'SIGHUP' }, `SIGHUP: ${hangup.what}`);
    hangup.reload().catch((error: unknown) => log.error({ err: error, signal: 'SIGHUP' }, `SIGHUP: ${hangup.what} failed`));
  };
  // Added before the other goes: with no listener left, Node would drop a SIGHUP already on its way.
  process.on('SIGHUP', onHangup);
  process.removeListener('SIGHUP', noteHangup);
  if (hangupWhileStarting) {
    hangupWhileStarting = false;
    onHangup();
  }
}
