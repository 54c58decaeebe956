import { createServer } from 'node:http';
import { listen } from './lifecycle.js';
import { fail, ok, type Result } from './result.js';

/** A port a command listens on, with the flag (and environment variable) that moves it. */
export interface PortUse {
  readonly port: number;
  readonly flag: string;
  readonly env?: string;
  /** What listens there, e.g. "the hooks" or "replica 2". */
  readonly what: string;
}

/** The message for a port that cannot be listened on, naming the flag that moves it. */
export function portProblem(use: PortUse, host: string, code: string | undefined, detail: string): string {
  const flag = use.env === undefined ? use.flag : `${use.flag} (or ${use.env})`;
  const fix = `pass ${flag} with another port${use.flag === '--replica-port' ? ' (the replicas take consecutive ports from it)' : ''}`;
  if (code === 'EADDRINUSE') return `port ${use.port} on ${host}, for ${use.what}, is in use: stop what listens there, or ${fix}`;
  if (code === 'EACCES')
    return `port ${use.port} on ${host}, for ${use.what}, is not allowed for this user (ports below 1024 need privileges): ${fix}`;
  return `cannot listen on ${host}:${use.port} for ${use.what} (${detail}): ${fix}`;
}

/** The problem of a listen that failed with `error`, for `use`. */
export const listenProblem = (use: PortUse, host: string, error: unknown): string =>
  portProblem(use, host, (error as NodeJS.ErrnoException).code, (error as Error).message);

/**
 * Tries the port with a plain server and lets it go again: for servers whose own failure to
 * listen says less than this (grpc-js reports only that no address was added, and prints
 * that to stderr).
 */
export async function checkPortFree(use: PortUse, host: string): Promise<Result<void>> {
  if (use.port === 0) return ok(undefined);
  const server = createServer();
  try {
    await listen(server, use.port, host);
    return ok(undefined);
  } catch (error) {
    return fail('PortInUse', listenProblem(use, host, error));
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
}
