import type { CommandModule } from './command.js';
import { realParts } from '../scaler/parts.js';
import { startScaler, type ScalerParts } from '../scaler/start.js';
import { defineCommand } from '../schemas/flags.js';
import { stopOnSignals } from '../lib/lifecycle.js';
import { scalerOptionsSchema, type ScalerOptions } from '../schemas/scaler-options.js';

export const command = defineCommand<ScalerOptions>(
  'scaler',
  'serve the KEDA external scaler: gRPC with mTLS for KEDA, HTTP for health and metrics',
  scalerOptionsSchema,
);
/** The command's run, given the parts (tests pass their own). */
export function scalerCommand(parts: ScalerParts): CommandModule<ScalerOptions> {
  return {
    command,
    async run(options, log) {
      const started = await startScaler(options, log, parts);
      if (!started.ok) {
        log.error({ reason: started.problem.reason, err: started.problem.message }, 'scaler cannot start');
        return 1;
      }
      // The targets file and the Kubernetes watches follow changes by themselves; the TLS folder is
      // watched too, but a SIGHUP re-reads it at once (an operator who just replaced the files).
      stopOnSignals(log, started.value.stop, options.shutdownGraceMs + 2000, {
        what: 're-reading the TLS files',
        reload: () => started.value.tls.reload(),
      });
    },
  };
}

export default scalerCommand(realParts);
