import { createServer } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandModule } from '../lib/command.js';
import { close, listen, stopOnSignals } from '../lib/lifecycle.js';
import { hooksCommand, type HooksOptions } from '../schemas/hooks-options.js';
import { createApp } from './app.js';

const GRACE_MS = 10_000;

const hooks: CommandModule<HooksOptions> = {
  command: hooksCommand,
  async run(options, log) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const server = createServer(createApp({ config: options, log, registry }));
    const port = await listen(server, options.port);
    log.info({ port, scalerAddress: options.scalerAddress, kaitoApiVersion: options.kaitoApiVersion }, 'hooks serving');
    stopOnSignals(log, () => close(server, GRACE_MS), GRACE_MS);
  },
};

export default hooks;
