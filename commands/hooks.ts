import type { CommandModule } from './command.js';
import { GRACE_MS, startHooks } from '../hooks/start.js';
import { envName, flagName } from '../schemas/flags.js';
import { stopOnSignals } from '../lib/lifecycle.js';
import { listenProblem } from '../lib/ports.js';
import { hooksCommand, type HooksOptions } from '../schemas/hooks-options.js';

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
