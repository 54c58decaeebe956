import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startDevStack, type DevStack } from '../../dev/stack.js';
import type { DevOptions } from '../../schemas/dev-options.js';
import { captureLog, eventually, tempDir } from '../scaler/helpers.js';
import { freePorts, portIsFree } from './free-ports.js';
import { inconsistencies, parsePollLine } from './poll-lines.js';

/** The stack in this process: every part real, ports picked by the OS unless a test fixes them. */

jest.setTimeout(20_000);

const example = readFileSync(new URL('../../examples/inferenceset.yaml', import.meta.url), 'utf8');
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir('dev-stack');
});
afterAll(() => dir.remove());

const options = (change: Partial<DevOptions> = {}): DevOptions => ({
  replicas: 3,
  pattern: 'burst',
  policy: 'single',
  duration: 0,
  hooksPort: 0,
  grpcPort: 0,
  httpPort: 0,
  replicaPort: 0,
  pollInterval: 0.2,
  dir: join(dir.path, 'stack'),
  logLevel: 'warn',
  logFormat: 'json',
  ...change,
});

const allPorts = (stack: DevStack) => [stack.ports.hooks, stack.ports.grpc, stack.ports.http, ...stack.ports.replicas];

describe('the dev stack', () => {
  it('renders the ScaledObject, and polls the scaler over mTLS with lines that add up', async () => {
    const { log } = captureLog();
    const started = await startDevStack(options({ dir: join(dir.path, 'loop') }), log);
    if (!started.ok) throw new Error(started.problem.message);
    const stack = started.value;
    const lines: string[] = [];
    try {
      expect(stack.scaledObject).toMatchObject({
        namespace: 'default',
        name: 'phi-4-mini',
        min: 1,
        max: 4,
        threshold: 10,
        scalerAddress: `127.0.0.1:${stack.ports.grpc}`,
      });
      expect(stack.banner.join('\n')).toContain(`certificates  ${join(dir.path, 'loop', 'tls')}: wrote 8 files`);
      stack.startPolling((line) => lines.push(line));
      await eventually('three poll lines', () => lines.length >= 4);
    } finally {
      await stack.stop();
    }
    expect(lines[0]).toBe('GetMetricSpec metricName=kaito-default-phi-4-mini-vllm-num-requests-waiting targetSizeFloat=10');
    const polls = lines.slice(1).map((line) => parsePollLine(line) ?? line);
    for (const poll of polls) {
      if (typeof poll === 'string') throw new Error(`not a poll line: ${poll}`);
      expect(inconsistencies(poll, { min: 1, max: 4 })).toEqual([]);
      // Burst, with the last replica out for the first 10 s: 20 + 25, nothing added above target.
      expect(poll).toMatchObject({ phase: 'burst', value: 45, active: true, hpa: 4 });
      expect(poll.replicas.map((replica) => replica.port)).toEqual(stack.ports.replicas);
      expect(poll.replicas.map((replica) => replica.value ?? replica.missing)).toEqual([20, 25, 'Unreachable']);
    }
    for (const port of allPorts(stack)) expect(await portIsFree(port)).toBe(true);
  });

  it('reuses valid certificates, and re-issues a damaged one', async () => {
    const { log } = captureLog();
    const here = options({ replicas: 1, dir: join(dir.path, 'reuse') });
    const banners: string[] = [];
    for (let run = 0; run < 2; run++) {
      const started = await startDevStack(here, log);
      if (!started.ok) throw new Error(started.problem.message);
      await started.value.stop();
      banners.push(started.value.banner.join('\n'));
    }
    expect(banners[0]).toContain(': wrote 8 files (ca: Missing, server: Missing, client: Missing)');
    expect(banners[1]).toMatch(/: valid, reused \(renewal due \d{4}-\d\d-\d\d\)/);

    await writeFile(join(dir.path, 'reuse', 'tls', 'server', 'tls.crt'), 'not a certificate');
    const second = await startDevStack(here, log);
    if (!second.ok) throw new Error(second.problem.message);
    const lines: string[] = [];
    second.value.startPolling((line) => lines.push(line));
    await eventually('a poll line', () => lines.length >= 2);
    await second.value.stop();
    expect(second.value.banner.join('\n')).toContain(': wrote 2 files (server: Unparseable)');
    expect(lines[1]).toMatch(/^t=\d+s +burst +:\d+=20 +value=20 threshold=10 active=true +HPA wants 2 = ceil\(20\/10\)$/);
  });

  it('stops everything it started when the sync hook refuses the InferenceSet, and says why', async () => {
    const file = join(dir.path, 'bad-threshold.yaml');
    await writeFile(file, example.replace('threshold: "10"', 'threshold: "0"'));
    const ports = await freePorts(5);
    const [hooksPort, grpcPort, httpPort, replicaPort] = ports as [number, number, number, number];
    // Two consecutive free ports for the replicas are likely but not certain: one replica.
    const started = await startDevStack(
      options({ inferenceSet: file, hooksPort, grpcPort, httpPort, replicaPort, replicas: 1 }),
      captureLog().log,
    );
    expect(started.ok).toBe(false);
    if (!started.ok) {
      expect(started.problem.reason).toBe('SyncRejected');
      expect(started.problem.message).toContain(
        `the sync hook refused ${file} (422 InvalidThreshold): annotation scaledobject.kaito.sh/threshold is "0"`,
      );
    }
    for (const port of [hooksPort, grpcPort, httpPort, replicaPort]) expect(await portIsFree(port)).toBe(true);
  });

  it.each<[string, string, string, string]>([
    [
      'auto-provision is off',
      example.replace('auto-provision: "true"', 'auto-provision: "false"'),
      'NoScaledObject',
      'the sync hook rendered no ScaledObject for ',
    ],
    ['the file is not YAML', 'metadata: {name: [', 'InvalidInferenceSet', ''],
    [
      'the file is not an InferenceSet',
      example.replace('kind: InferenceSet', 'kind: Deployment'),
      'SyncRejected',
      'the sync hook refused ',
    ],
  ])('refuses to start when %s', async (_case, text, reason, start) => {
    const file = join(dir.path, `${reason}.yaml`);
    await writeFile(file, text);
    const started = await startDevStack(options({ inferenceSet: file, replicas: 1 }), captureLog().log);
    expect(started.ok ? 'started' : started.problem.reason).toBe(reason);
    if (!started.ok) expect(started.problem.message.startsWith(start)).toBe(true);
  });

  it('refuses to start, naming the flag, when a port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = await startDevStack(options({ httpPort: port }), captureLog().log);
      expect(started.ok ? 'started' : started.problem).toEqual({
        reason: 'PortInUse',
        message: `port ${port} on 127.0.0.1, for the scaler's health and metrics server, is in use: stop what listens there, or pass --http-port with another port`,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a folder it cannot write certificates into', async () => {
    const file = join(dir.path, 'a-file');
    await mkdir(dir.path, { recursive: true });
    await writeFile(file, 'x');
    const started = await startDevStack(options({ dir: file, replicas: 1 }), captureLog().log);
    expect(started.ok ? 'started' : started.problem.reason).toBe('Certificates');
    if (!started.ok) expect(started.problem.message).toContain(`dev certificates in ${join(file, 'tls')}: `);
  });

  it('refuses an InferenceSet file it cannot read', async () => {
    const started = await startDevStack(options({ inferenceSet: join(dir.path, 'absent.yaml') }), captureLog().log);
    expect(started.ok ? 'started' : started.problem).toEqual({
      reason: 'InvalidInferenceSet',
      message: `cannot read the InferenceSet file ${join(dir.path, 'absent.yaml')} (ENOENT): check --inference-set`,
    });
  });
});
