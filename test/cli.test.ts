import { spawnSync } from 'node:child_process';
import { CLI, start } from './support/cli.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('keda-kaito-scaler', () => {
  it('lists its commands', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/usage: keda-kaito-scaler <command> \[options\]\ncommands: .*hooks/);
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown command', ['nope'], /unknown command "nope"/],
    ['an unknown option', ['hooks', '--nope'], /Unknown option '--nope'/],
    ['a bad value', ['hooks', '--port', 'x'], /option --port \(KKS_PORT\) is "x"/],
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
