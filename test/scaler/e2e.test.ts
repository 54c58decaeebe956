import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseOptions } from '../../schemas/flags.js';
import { realParts } from '../../scaler/parts.js';
import { startScaler, type RunningScaler } from '../../scaler/start.js';
import { command as queryCommand, runQuery } from '../../commands/query.js';
import type { ScalerOptions } from '../../schemas/scaler-options.js';
import { blockAfter, doc } from '../support/docs.js';
import { captureLog, scalerClient, tempDir, type TestClient, testScalerOptions, triggerMetadata } from './helpers.js';
import { createAuthority, writeTlsDir, type Pem, type TestAuthority } from './pki.js';

/**
 * The scaler as KEDA meets it: real gRPC with mTLS, the real core scraping local HTTP
 * replicas that serve a vLLM page, discovery from a static targets file.
 */

const page = readFileSync(new URL('../fixtures/vllm-metrics/vllm-v1-after-traffic.txt', import.meta.url), 'utf8');
const WAITING = /^vllm:num_requests_waiting\{engine="0",model_name="phi-4-mini"\} .*$/m;
const vllmPage = (waiting: number) =>
  page.replace(WAITING, `vllm:num_requests_waiting{engine="0",model_name="phi-4-mini"} ${waiting.toFixed(1)}`);

interface Replica {
  readonly address: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A local replica: answers its vLLM page, or never answers at all. */
async function replica(answer: ((request: IncomingMessage, response: ServerResponse) => void) | 'hang'): Promise<Replica> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (answer !== 'hang') answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const serving = (waiting: number) =>
  replica((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(vllmPage(waiting));
  });

let dir: Awaited<ReturnType<typeof tempDir>>;
let ca: TestAuthority;
let client: Pem;
let replicas: Record<'a' | 'b' | 'hanging' | 'idle', Replica>;
let scaler: RunningScaler;
let keda: TestClient;

const targetsFile = () => `
inferenceSets:
  - namespace: default
    name: phi-4
    allowedNamespaces: [team-b]
    workspaces: [${replicas.a.address}, ${replicas.b.address}]
  - namespace: default
    name: half-dead
    workspaces: [${replicas.a.address}, ${replicas.hanging.address}]
  - namespace: default
    name: idle
    workspaces: [${replicas.idle.address}]
  - namespace: default
    name: empty
    workspaces: []
`;

const options = (tlsDir: string): ScalerOptions =>
  testScalerOptions({ tlsDir, targets: join(dir.path, 'targets.yaml'), logLevel: 'debug' });

const ref = (name = 'phi-4', namespace = 'default', extra: Record<string, string> = {}) => ({
  name: 'so',
  namespace,
  scalerMetadata: triggerMetadata(name, extra),
});

beforeAll(async () => {
  dir = await tempDir('e2e');
  ca = createAuthority();
  client = ca.clientLeaf();
  replicas = { a: await serving(3), b: await serving(5), hanging: await replica('hang'), idle: await serving(0) };
  await writeFile(join(dir.path, 'targets.yaml'), targetsFile());
  await writeTlsDir(join(dir.path, 'server'), [ca], ca.serverLeaf());
  await writeTlsDir(join(dir.path, 'client'), [ca], client);
  const started = await startScaler(options(join(dir.path, 'server')), captureLog().log, realParts);
  if (!started.ok) throw new Error(started.problem.message);
  scaler = started.value;
  keda = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...client });
});

afterAll(async () => {
  keda?.close();
  await scaler?.stop();
  await Promise.all(Object.values(replicas ?? {}).map((r) => r.close()));
  await dir?.remove();
});

describe('end to end: KEDA -> scaler -> replicas', () => {
  it('sums the family over the replicas, asking each to filter', async () => {
    expect(await keda.getMetrics(ref())).toEqual({
      ok: true,
      response: { metricValues: [{ metricName: 'kaito-default-phi-4-vllm-num-requests-waiting', metricValue: 8, metricValueFloat: 8 }] },
    });
    expect(replicas.a.requests.at(-1)).toContain('name%5B%5D=vllm%3Anum_requests_waiting');
    expect(await keda.isActive(ref())).toEqual({ ok: true, response: { result: true } });
    expect(await keda.isActive(ref('idle'))).toEqual({ ok: true, response: { result: false } });
  });

  it('a replica that never answers: the call still returns within its deadline, with the scale-down fallback', async () => {
    const started = Date.now();
    const outcome = await keda.getMetrics(ref('half-dead'), 1500);
    const elapsed = Date.now() - started;
    // a = 3 < θ = 10 with one of two replicas missing: 3 + 10.
    expect(outcome).toEqual({ ok: true, response: { metricValues: [expect.objectContaining({ metricValueFloat: 13 })] } });
    expect(elapsed).toBeLessThan(1500 + 1000);
    // KEDA's IsActive right after, under the same deadline, answers from that measurement.
    expect(await keda.isActive(ref('half-dead'), 200)).toEqual({ ok: true, response: { result: true } });
  });

  it('no replicas: UNAVAILABLE, not a made-up 0', async () => {
    expect(await keda.getMetrics(ref('empty'))).toEqual(expect.objectContaining({ ok: false, code: 'UNAVAILABLE' }));
  });

  it('bad metadata: INVALID_ARGUMENT naming the key', async () => {
    const outcome = await keda.getMetrics(ref('phi-4', 'default', { metricPort: '70000' }));
    expect(outcome).toEqual({ ok: false, code: 'INVALID_ARGUMENT', details: expect.stringContaining('metricPort') });
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed; no replica is asked', async () => {
    const before = replicas.a.requests.length;
    const anonymous = scalerClient(scaler.grpcPort, { ca: ca.certificate });
    const foreign = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...createAuthority().clientLeaf() });
    try {
      expect(await anonymous.getMetrics(ref())).toEqual(expect.objectContaining({ ok: false, code: 'UNAVAILABLE' }));
      expect(await foreign.getMetrics(ref())).toEqual(expect.objectContaining({ ok: false, code: 'UNAVAILABLE' }));
      expect(replicas.a.requests.length).toBe(before);
    } finally {
      anonymous.close();
      foreign.close();
    }
  });

  it('StreamIsActive: UNIMPLEMENTED', async () => {
    expect(await keda.streamIsActive(ref())).toEqual(expect.objectContaining({ ok: false, code: 'UNIMPLEMENTED' }));
  });

  it('cross-namespace: refused, unless the InferenceSet allows the namespace', async () => {
    expect(await keda.getMetrics(ref('phi-4', 'team-c'))).toEqual(expect.objectContaining({ ok: false, code: 'PERMISSION_DENIED' }));
    expect(await keda.getMetrics(ref('phi-4', 'team-b'))).toEqual(expect.objectContaining({ ok: true }));
  });
});

describe('docs/scaler.md: the query example', () => {
  const block = (marker: string) => blockAfter(doc('docs/scaler.md'), `<!-- example: ${marker}`);

  it('prints what docs/scaler.md shows, against its targets file', async () => {
    const targets = block('targets file').replace('127.0.0.1:9001', replicas.a.address).replace('127.0.0.1:9002', replicas.b.address);
    expect(targets).not.toContain('127.0.0.1:900');
    await writeFile(join(dir.path, 'readme-targets.yaml'), targets);
    const started = await startScaler(
      { ...options(join(dir.path, 'server')), targets: join(dir.path, 'readme-targets.yaml') },
      captureLog().log,
      realParts,
    );
    if (!started.ok) throw new Error(started.problem.message);
    try {
      const words = block('query').replace(/\\\n/g, ' ').trim().split(/\s+/);
      expect(words.slice(0, 3)).toEqual(['node', 'dist/cli.js', 'query']);
      const argv = words
        .slice(3)
        .map((word) =>
          word === 'localhost:10450' ? `localhost:${started.value.grpcPort}` : word === '.dev/tls/client' ? join(dir.path, 'client') : word,
        );
      const parsed = parseOptions(queryCommand, argv, {});
      if (!parsed.ok) throw new Error(parsed.problem.message);
      const out: string[] = [];
      const code = await runQuery(parsed.value, { out: (text) => out.push(text), err: (text) => out.push(text) });
      expect(out.join('\n')).toBe(block('query output').trim());
      expect(code).toBe(0);

      // The hint for a server certificate offered as the client's.
      const serverSet = join(dir.path, 'server');
      const refused = parseOptions(
        queryCommand,
        argv.map((word) => (word === join(dir.path, 'client') ? serverSet : word)),
        {},
      );
      if (!refused.ok) throw new Error(refused.problem.message);
      const errors: string[] = [];
      expect(await runQuery(refused.value, { out: () => undefined, err: (text) => errors.push(text) })).toBe(1);
      expect(errors.join('\n').replaceAll(serverSet, '.dev/tls/server')).toBe(block('query hint').trim());
    } finally {
      await started.value.stop();
    }
  });
});
