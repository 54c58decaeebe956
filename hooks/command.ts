import { createServer } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandModule } from '../lib/command.js';
import { envName, flagName } from '../lib/flags.js';
import { close, listen, stopOnSignals } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { listenProblem } from '../lib/ports.js';
import { hooksCommand, type HooksOptions } from '../schemas/hooks-options.js';
import { createApp } from './app.js';

const GRACE_MS = 10_000;

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

const hooks: CommandModule<HooksOptions> = {
  command: hooksCommand,
  async run(options, log) {
    const running = await startHooks(options, log).catch((error: unknown) => {
      const use = { port: options.port, flag: `--${flagName('port')}`, env: envName('port'), what: 'the hooks' };
      process.stderr.write(`keda-kaito-scaler hooks: ${listenProblem(use, 'every address', error)}\n`);
    });
    if (!running) return 1;
    stopOnSignals(log, () => running.stop(GRACE_MS), GRACE_MS);
  },
};

export default hooks;
