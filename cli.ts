#!/usr/bin/env node
import type { CommandModule } from './lib/command.js';
import { helpText, parseOptions } from './lib/flags.js';
import { createLogger } from './lib/log.js';
import type { LoggingOptions } from './schemas/logging-options.js';

// Loaded on demand so that `hooks` never pays for the gRPC and Kubernetes clients.
const commands: Record<string, () => Promise<{ default: CommandModule<LoggingOptions> }>> = {
  hooks: () => import('./hooks/command.js'),
  certs: () => import('./certs/command.js'),
  query: () => import('./scaler/query.js'),
  scaler: () => import('./scaler/command.js'),
  dev: () => import('./dev/command.js'),
  simulate: () => import('./simulate/command.js'),
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : commands[name];
  if (!load) {
    const usage = `usage: keda-kaito-scaler <command> [options]\ncommands: ${Object.keys(commands).join(', ')}`;
    if (name === undefined || name === '--help' || name === '-h') {
      console.log(usage);
      return 0;
    }
    console.error(`keda-kaito-scaler: unknown command "${name}"\n${usage}`);
    return 2;
  }
  const { default: module } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(helpText(module.command));
    return 0;
  }
  const options = parseOptions(module.command, rest, process.env);
  if (!options.ok) {
    console.error(`keda-kaito-scaler ${name}: ${options.problem.message}`);
    return 2;
  }
  const log = createLogger({ level: options.value.logLevel, format: options.value.logFormat });
  return (await module.run(options.value, log)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
