#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { CommandModule } from './commands/command.js';
import { helpText, parseOptions } from './schemas/flags.js';
import { deferHangups } from './lib/lifecycle.js';
import { createLogger } from './lib/log.js';
import type { LoggingOptions } from './schemas/logging-options.js';

// Loaded on demand so that `hooks` never pays for the gRPC and Kubernetes clients.
const commands: Record<string, () => Promise<{ default: CommandModule<LoggingOptions> }>> = {
  hooks: () => import('./commands/hooks.js'),
  certs: () => import('./commands/certs.js'),
  query: () => import('./commands/query.js'),
  scaler: () => import('./commands/scaler.js'),
  dev: () => import('./commands/dev.js'),
  simulate: () => import('./commands/simulate.js'),
};

// dist/cli.js and the image's /app/dist/cli.js both sit one folder below package.json.
const version = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function usage(): Promise<string> {
  const modules = await Promise.all(
    Object.entries(commands).map(async ([name, load]) => [name, (await load()).default.command.summary] as const),
  );
  const width = Math.max(...modules.map(([name]) => name.length));
  return [
    `keda-kaito-scaler ${version()}: KEDA autoscaling for KAITO InferenceSets`,
    '',
    'usage: keda-kaito-scaler <command> [options]',
    '',
    'commands:',
    ...modules.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'keda-kaito-scaler <command> --help lists the options of a command; keda-kaito-scaler --version prints the version.',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  deferHangups();
  const [first, ...more] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    console.log(version());
    return 0;
  }
  // `help <command>` is `<command> --help`.
  const [name, ...rest] = first === 'help' && more[0] !== undefined ? [more[0], '--help'] : argv;
  const load = name === undefined ? undefined : commands[name];
  if (!load) {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      console.log(await usage());
      return 0;
    }
    console.error(
      `keda-kaito-scaler: unknown command "${name}": use one of ${Object.keys(commands).join(', ')} (keda-kaito-scaler --help lists them)`,
    );
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
