import type { CommandModule } from './command.js';
import { stopOnSignals } from '../lib/lifecycle.js';
import { devCommand, type DevOptions } from '../schemas/dev-options.js';
import { startDevStack } from '../dev/stack.js';

/** Time for the stack to stop before a signal gives up on it. */
const STOP_GRACE_MS = 8000;

/**
 * `keda-kaito-scaler dev` (`npm start`): the stack on this machine, its banner and one line
 * per poll on stdout; the inner servers' logs (warn and above by default) beside them. Ends
 * on Ctrl-C or SIGTERM, or after --duration seconds, with exit code 0 and every port free.
 */
const dev: CommandModule<DevOptions> = {
  command: devCommand,
  async run(options, log) {
    const out = (line: string) => void process.stdout.write(`${line}\n`);
    const started = await startDevStack(options, log);
    if (!started.ok) {
      process.stderr.write(`keda-kaito-scaler dev: ${started.problem.message}\n`);
      return started.problem.reason === 'InvalidPorts' ? 2 : 1;
    }
    const stack = started.value;
    for (const line of stack.banner) out(line);
    stack.startPolling(out);
    stopOnSignals(
      log,
      async () => {
        await stack.stop();
        out('stopped: every server closed, every port free');
      },
      STOP_GRACE_MS,
    );
    if (options.duration === 0) return;
    await new Promise((resolve) => setTimeout(resolve, options.duration * 1000));
    await stack.stop();
    out(`stopped after ${options.duration} s: every server closed, every port free`);
    // Everything is closed, so the process ends by itself; if a handle still holds it, say so and end anyway.
    setTimeout(() => {
      log.warn('dev stack: something is still open after stopping: exiting');
      process.exit(0);
    }, 3000).unref();
    return 0;
  },
};

export default dev;
