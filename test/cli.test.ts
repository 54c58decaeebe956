import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI, start } from './support/cli.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('keda-kaito-scaler', () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

  it.each([[[]], [['--help']], [['-h']], [['help']]])('%j lists every command with one line, and the version', (args) => {
    const result = run(...args);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`keda-kaito-scaler ${version}`);
    expect(result.stdout).toContain('usage: keda-kaito-scaler <command> [options]');
    for (const command of ['hooks', 'certs', 'query', 'scaler', 'dev'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} +\\S.*$`, 'm'));
  });

  it.each([['--version'], ['-v'], ['version']])('%s prints the version', (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('help <command> shows the options of that command', () => {
    expect(run('help', 'hooks').stdout).toBe(run('hooks', '--help').stdout);
  });

  it.each([
    ['query', ['--address <value>  KKS_ADDRESS (required)', '--tls-dir <value>  KKS_TLS_DIR (required)']],
    ['certs', ['--out <value>  KKS_OUT (required)']],
  ])('marks the required options of %s', (command, lines) => {
    const { stdout } = run(command, '--help');
    for (const line of lines) expect(stdout).toContain(line);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown command', ['nope'], /unknown command "nope": use one of hooks, certs, query, scaler, dev/],
    ['an unknown option', ['hooks', '--nope'], /Unknown option '--nope'/],
    ['a bad value', ['hooks', '--port', 'x'], /option --port \(KKS_PORT\) is "x"/],
    [
      'a port out of range, with the range',
      ['hooks', '--port', '99999'],
      /option --port \(KKS_PORT\) is 99999: .* \(allowed: 0 to 65535\)$/m,
    ],
    [
      'a log level not known, with the levels',
      ['scaler', '--log-level', 'verbose'],
      /option --log-level \(KKS_LOG_LEVEL\) is "verbose": log level \(one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"\)$/m,
    ],
  ])('refuses %s with exit code 2 and a message', (_name, args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('shows the options of a command', () => {
    const result = run('hooks', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--scaler-address <value>  KKS_SCALER_ADDRESS');
  });
});

describe('keda-kaito-scaler hooks', () => {
  it('serves, and stops cleanly on SIGTERM', async () => {
    const hooks = start(['hooks', '--port', '0']);
    try {
      const { port } = await hooks.waitForLog('hooks serving');
      const response = await fetch(`http://127.0.0.1:${String(port)}/healthz`);
      expect(await response.json()).toEqual({ status: 'ok' });
    } finally {
      expect(await hooks.stop()).toBe(0);
    }
    expect(hooks.output()).toContain('"msg":"stopped"');
  });

  it('exits 1 on a busy port with one line naming the port and how to move it, no stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const result = run('hooks', '--port', String(port));
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `keda-kaito-scaler hooks: port ${port} on every address, for the hooks, is in use: stop what listens there, or pass --port (or KKS_PORT) with another port\n`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('reads its options from the environment', async () => {
    const hooks = start(['hooks', '--port', '0'], { KKS_SCALER_ADDRESS: 'scaler.example:1234' });
    try {
      const line = await hooks.waitForLog('hooks serving');
      expect(line['scalerAddress']).toBe('scaler.example:1234');
    } finally {
      await hooks.stop();
    }
  });
});
