import type { CommandModule } from './command.js';
import { GRACE_MS, startHooks, type RunningHooks } from '../hooks/start.js';
import { envName, flagName } from '../schemas/flags.js';
import { stopOnSignals } from '../lib/lifecycle.js';
import { listenProblem } from '../lib/ports.js';
import { hooksCommand, type HooksOptions } from '../schemas/hooks-options.js';

const hooks: CommandModule<HooksOptions> = {
  command: hooksCommand,
  async run(options, log) {
    // Signals are handled before the hooks serve: one sent as soon as "hooks serving" is logged finds its handler.
    let running: RunningHooks | undefined;
    stopOnSignals(log, async () => running?.stop(GRACE_MS), GRACE_MS);
    running = await startHooks(options, log).catch((error: unknown) => {
      const use = { port: options.port, flag: `--${flagName('port')}`, env: envName('port'), what: 'the hooks' };
      process.stderr.write(`keda-kaito-scaler hooks: ${listenProblem(use, 'every address', error)}\n`);
      return undefined;
    });
    if (!running) return 1;
  },
};

export default hooks;
