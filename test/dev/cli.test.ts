import { jest } from '@jest/globals';
import { exec } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { CLI, start, type Running } from '../support/cli.js';
import { tempDir } from '../scaler/helpers.js';
import { portIsFree } from './free-ports.js';
import { inconsistencies, parsePollLine } from './poll-lines.js';

/**
 * `keda-kaito-scaler dev` as a developer meets it: the built command on fixed ports, the
 * commands it prints run as printed from the project folder, and a clean end.
 */

jest.setTimeout(30_000);

const ROOT = dirname(dirname(CLI));
// Below the usual ephemeral range, where the tests' OS-picked ports live.
const PORTS = { hooks: 23471, grpc: 23472, http: 23473, replica: 23474 };
const REPLICAS = 3;
const allPorts = () => [PORTS.hooks, PORTS.grpc, PORTS.http, ...Array.from({ length: REPLICAS }, (_, index) => PORTS.replica + index)];
const portFlags = [
  '--hooks-port',
  String(PORTS.hooks),
  '--grpc-port',
  String(PORTS.grpc),
  '--http-port',
  String(PORTS.http),
  '--replica-port',
  String(PORTS.replica),
];

function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    exec(command, { cwd: ROOT, shell: '/bin/sh', timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function waitForOutput(dev: Running, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const match = dev.output().match(pattern);
    if (match) return match;
    if (Date.now() > end || dev.child.exitCode !== null) throw new Error(`no ${pattern} in the output:\n${dev.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const exited = (dev: Running): Promise<number | null> =>
  dev.child.exitCode !== null
    ? Promise.resolve(dev.child.exitCode)
    : new Promise((resolve) => dev.child.once('exit', (code) => resolve(code)));

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir('dev-cli');
  const taken = [];
  for (const port of allPorts()) if (!(await portIsFree(port))) taken.push(port);
  if (taken.length > 0) throw new Error(`ports ${taken.join(', ')} are taken on this machine: the dev CLI test needs them free`);
});
afterAll(() => dir.remove());

describe('keda-kaito-scaler dev, as a process', () => {
  it('prints commands that work as printed, polls lines that add up, and ends after --duration with every port free', async () => {
    const startedAt = Date.now();
    const dev = start(['dev', '--duration', '7', '--poll-interval', '1', '--dir', join(dir.path, 'run'), ...portFlags]);
    try {
      const [, curl] = await waitForOutput(dev, /^ {2}\$ (curl .*)$/m);
      const [, query] = await waitForOutput(dev, /^ {2}\$ (node .*)$/m);
      expect(curl).toBe(`curl -s localhost:${PORTS.hooks}/sync -H 'content-type: application/json' -d @examples/sync-decorator.json`);
      expect(query).toContain(
        `node dist/cli.js query --address 127.0.0.1:${PORTS.grpc} --server-name localhost --tls-dir ${join(dir.path, 'run', 'tls', 'client')} --namespace default `,
      );

      const synced = await sh(curl!);
      expect(synced.code).toBe(0);
      const answer = JSON.parse(synced.stdout) as {
        attachments: Array<{ kind: string; metadata: { name: string }; spec: { triggers: Array<{ metadata: Record<string, string> }> } }>;
      };
      expect(answer.attachments.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['ScaledObject/phi-4-mini']);
      expect(answer.attachments[0]!.spec.triggers[0]!.metadata['scalerAddress']).toBe(`127.0.0.1:${PORTS.grpc}`);

      // In the first 10 s the load is steady (3 and 4 waiting) and the last replica is out:
      // it counts at the threshold, 3 + 4 + 10.
      const asked = await sh(query!);
      expect({ code: asked.code, stderr: asked.stderr }).toEqual({ code: 0, stderr: '' });
      expect(asked.stdout).toBe(
        [
          'GetMetricSpec  metricName=kaito-default-phi-4-mini-vllm-num-requests-waiting targetSize=10 targetSizeFloat=10',
          'GetMetrics     metricName=kaito-default-phi-4-mini-vllm-num-requests-waiting metricValue=17 metricValueFloat=17',
          'IsActive       result=true',
          '',
        ].join('\n'),
      );

      expect(await exited(dev)).toBe(0);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(7000);
    } finally {
      await dev.stop();
    }
    const output = dev.output();
    expect(output).toContain('stopped after 7 s: every server closed, every port free');
    expect(output).not.toContain('still open after stopping');
    expect(output).toContain('GetMetricSpec metricName=kaito-default-phi-4-mini-vllm-num-requests-waiting targetSizeFloat=10');
    const polls = output.split('\n').flatMap((line) => {
      const poll = parsePollLine(line);
      return poll ? [poll] : [];
    });
    expect(polls.length).toBeGreaterThanOrEqual(4);
    for (const poll of polls) {
      expect(inconsistencies(poll, { min: 1, max: 4 })).toEqual([]);
      expect(poll.replicas.map((replica) => replica.port)).toEqual([PORTS.replica, PORTS.replica + 1, PORTS.replica + 2]);
    }
    expect(gone(dev.child.pid!)).toBe(true);
    for (const port of allPorts()) expect(await portIsFree(port)).toBe(true);
  });

  it('stops on SIGTERM before the end: exit 0, every port free', async () => {
    const dev = start(['dev', '--duration', '60', '--poll-interval', '1', '--dir', join(dir.path, 'run'), ...portFlags]);
    try {
      await waitForOutput(dev, /^t=\d+s /m);
      const stoppedAt = Date.now();
      expect(await dev.stop()).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(8000);
    } finally {
      await dev.stop();
    }
    expect(dev.output()).toContain('stopped: every server closed, every port free');
    expect(dev.output()).toMatch(/certificates {2}\S+: valid, reused/);
    expect(gone(dev.child.pid!)).toBe(true);
    for (const port of allPorts()) expect(await portIsFree(port)).toBe(true);
  });

  it('says which flag to change when a port is taken, and exits 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(PORTS.grpc, '127.0.0.1', resolve));
    try {
      const dev = start(['dev', '--duration', '5', '--dir', join(dir.path, 'run'), ...portFlags]);
      expect(await exited(dev)).toBe(1);
      expect(dev.output()).toBe(
        `keda-kaito-scaler dev: port ${PORTS.grpc} on 127.0.0.1, for the scaler's gRPC server, is in use: stop what listens there, or pass --grpc-port with another port\n`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
