import { createServer } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { close, listen } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import type { HooksOptions } from '../schemas/hooks-options.js';
import { createApp } from './app.js';

export const GRACE_MS = 10_000;

export interface RunningHooks {
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Serves the hooks on `host` (default: every address); rejects when the port cannot be bound. */
export async function startHooks(options: HooksOptions, log: Logger, host?: string): Promise<RunningHooks> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server = createServer(createApp({ config: options, log, registry }));
  const port = await listen(server, options.port, host);
  log.info({ port, scalerAddress: options.scalerAddress }, 'hooks serving');
  return { port, stop: (graceMs = GRACE_MS) => close(server, graceMs) };
}
