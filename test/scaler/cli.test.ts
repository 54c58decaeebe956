import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI, freePort, start } from '../support/cli.js';
import { eventually, scalerClient, tempDir } from './helpers.js';
import { createAuthority, writeTlsDir } from './pki.js';

/** The built `scaler` and `query` commands as processes: start, answer, stop on SIGTERM. */

jest.setTimeout(30_000);

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: Awaited<ReturnType<typeof tempDir>>;
const replicas: Server[] = [];
let addresses: string[] = [];
let slowRequests = 0;
const ca = createAuthority();
const client = ca.clientLeaf();

beforeAll(async () => {
  dir = await tempDir('cli');
  await writeTlsDir(join(dir.path, 'server'), [ca], ca.serverLeaf());
  await writeTlsDir(join(dir.path, 'client'), [ca], client);
  // Two replicas with 3 and 5 requests waiting; the second takes 1 s to answer.
  for (const [waiting, delayMs] of [
    [3, 0],
    [5, 1000],
  ] as const) {
    const server = createServer((_request, response) => {
      if (delayMs > 0) slowRequests++;
      setTimeout(() => response.end(`# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{engine="0"} ${waiting}\n`), delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    replicas.push(server);
  }
  addresses = replicas.map((server) => `127.0.0.1:${(server.address() as AddressInfo).port}`);
  await writeFile(
    join(dir.path, 'targets.yaml'),
    `inferenceSets:\n  - {namespace: default, name: phi-4, workspaces: [${addresses.join(', ')}]}\n`,
  );
});

afterAll(async () => {
  for (const server of replicas) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await dir.remove();
});

const metadata = ['inferenceSetName=phi-4', 'inferenceSetNamespace=default', 'metricName=vllm:num_requests_waiting', 'threshold=10'];

describe('keda-kaito-scaler scaler and query, as processes', () => {
  it('serves query, finishes a call in flight on SIGTERM, and exits 0', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const scaler = start(
      ['scaler', '--tls-dir', join(dir.path, 'server'), '--targets', join(dir.path, 'targets.yaml'), '--host', '127.0.0.1'],
      { KKS_GRPC_PORT: String(grpcPort), KKS_HTTP_PORT: String(httpPort), KKS_SHUTDOWN_GRACE_MS: '5000' },
    );
    try {
      await scaler.waitForLog('scaler started');
      const query = await runCli([
        'query',
        '--address',
        `localhost:${grpcPort}`,
        '--tls-dir',
        join(dir.path, 'client'),
        ...metadata.flatMap((entry) => ['--metadata', entry]),
      ]);
      expect(query.stdout).toContain(
        'GetMetrics     metricName=kaito-default-phi-4-vllm-num-requests-waiting metricValue=8 metricValueFloat=8',
      );
      expect(query.code).toBe(0);

      // grpc-js sends an IP address as the TLS server name; Node's DEP0123 about it is not shown.
      const byIp = await runCli([
        'query',
        '--address',
        `127.0.0.1:${grpcPort}`,
        '--tls-dir',
        join(dir.path, 'client'),
        ...metadata.flatMap((entry) => ['--metadata', entry]),
      ]);
      expect(byIp.stdout).toMatch(/^GetMetricSpec {2}/m);
      expect(byIp.stderr).not.toContain('DEP0123');

      const denied = await runCli([
        'query',
        '--address',
        `localhost:${grpcPort}`,
        '--tls-dir',
        join(dir.path, 'client'),
        '--namespace',
        'other',
        ...metadata.flatMap((entry) => ['--metadata', entry]),
      ]);
      expect(denied.stdout).toContain(
        'GetMetrics     PERMISSION_DENIED: ScaledObjects in namespace "other" may not read InferenceSet default/phi-4',
      );
      expect(denied.code).toBe(1);

      const keda = scalerClient(grpcPort, { ca: ca.certificate, ...client });
      const before = slowRequests;
      const inFlight = keda.getMetrics(
        { name: 'so', namespace: 'default', scalerMetadata: Object.fromEntries(metadata.map((entry) => entry.split('='))) },
        5000,
      );
      await eventually('the call to reach the slow replica', () => slowRequests > before);
      const exit = scaler.stop();
      expect(await inFlight).toEqual({ ok: true, response: { metricValues: [expect.objectContaining({ metricValueFloat: 8 })] } });
      keda.close();
      expect(await exit).toBe(0);
      await scaler.waitForLog('stopped');
    } finally {
      await scaler.stop();
    }
  });

  it('exits 1 with the reason when the targets file is bad', async () => {
    await writeFile(join(dir.path, 'bad.yaml'), 'inferenceSets:\n  - {namespace: default, name: phi-4, workspaces: [localhost]}\n');
    const result = await runCli([
      'scaler',
      '--tls-dir',
      join(dir.path, 'server'),
      '--targets',
      join(dir.path, 'bad.yaml'),
      '--log-format',
      'json',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/"reason":"InvalidTargets".*targets entry inferenceSets\[0\]\.workspaces\[0\] is \\"localhost\\"/);
  });

  it.each([
    ['gRPC', '--grpc-port', 'KKS_GRPC_PORT', "the scaler's gRPC server"],
    ['HTTP', '--http-port', 'KKS_HTTP_PORT', "the scaler's health and metrics server"],
  ])('exits 1 on a busy %s port, naming the flag, with nothing from grpc-js on stderr', async (_name, flag, env, what) => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    const other = flag === '--grpc-port' ? '--http-port' : '--grpc-port';
    try {
      const args = ['scaler', '--host', '127.0.0.1', flag, String(port), other, String(await freePort())];
      const result = await runCli([
        ...args,
        '--tls-dir',
        join(dir.path, 'server'),
        '--targets',
        join(dir.path, 'targets.yaml'),
        '--log-format',
        'json',
      ]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `"reason":"CannotListen","err":"port ${port} on 127.0.0.1, for ${what}, is in use: stop what listens there, or pass ${flag} (or ${env}) with another port"`,
      );
      expect(result.stderr).toBe('');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('exits 2 on a bad option, naming it', async () => {
    const result = await runCli(['scaler', '--grpc-port', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('option --grpc-port (KKS_GRPC_PORT) is "many"');
  });

  it('query exits 1 with the gRPC code when nothing listens', async () => {
    const result = await runCli([
      'query',
      '--address',
      `127.0.0.1:${await freePort()}`,
      '--server-name',
      'localhost',
      '--tls-dir',
      join(dir.path, 'client'),
      '--timeout-ms',
      '1000',
      ...metadata.flatMap((entry) => ['--metadata', entry]),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^GetMetricSpec {2}UNAVAILABLE: .*ECONNREFUSED[^\n]*[^:\s]$/m);
    expect(result.stdout).not.toContain('Resolution note');
    expect(result.stderr).toMatch(/^hint: nothing answered at 127\.0\.0\.1:\d+: is the scaler running and listening there/m);
  });
});
