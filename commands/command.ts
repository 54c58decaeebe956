import type { Command } from '../schemas/flags.js';
import type { Logger } from '../lib/log.js';

/**
 * What each `keda-kaito-scaler <command>` module exports as its default. `run` is a method
 * so that a module of any options type fits the command table.
 */
export interface CommandModule<T> {
  readonly command: Command<T>;
  /**
   * Runs the command. One-shot commands resolve with their exit code; long-running
   * ones resolve once they serve, and stop on SIGTERM.
   */
  run(options: T, log: Logger): Promise<number | undefined>;
}
