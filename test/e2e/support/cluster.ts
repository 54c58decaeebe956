import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../support/cli.js';
import { BIN } from './go.js';

/**
 * etcd and kube-apiserver, built by test/e2e/build.sh, as local processes on 127.0.0.1:
 * RBAC on, an admin token, a self-signed serving certificate the API server makes itself.
 */
export interface Cluster {
  readonly kubeconfig: string;
  readonly server: string;
  readonly token: string;
  /** Stops the API server; etcd keeps the data, and `startApiServer` brings it back on the same port. */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** GET or send JSON to the API server as the admin; answers status and parsed body. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
  /** Runs kubectl against the cluster from the project's root folder. */
  kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Everything etcd and the API server printed, for a failing test's message. */
  output(): string;
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The CRDs of KEDA, KAITO and Metacontroller, as released (test/fixtures/README.md). */
export const CRDS = join(ROOT, 'test', 'fixtures', 'crds');
const execFileAsync = promisify(execFile);

/** The CRDs installed and established, and the namespaces created. */
export async function prepare(cluster: Cluster, namespaces: readonly string[]): Promise<void> {
  await cluster.kubectl('apply', '--server-side', '-f', CRDS);
  await cluster.kubectl('wait', '--for', 'condition=Established', '--timeout', '60s', '-f', CRDS);
  for (const namespace of namespaces) await cluster.kubectl('create', 'namespace', namespace);
}

interface Child {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

const TOKEN = 'e2e-admin-token';

/** `apiServerArgs` are added to kube-apiserver's, e.g. `--emulated-version=kube=1.34` to behave as an older release. */
export async function startCluster(dir: string, apiServerArgs: readonly string[] = []): Promise<Cluster> {
  await mkdir(join(dir, 'pki'), { recursive: true });
  let output = '';
  const run = (program: string, args: string[]): Child => {
    const child = spawn(`${BIN}${program}`, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return { child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  };
  const stopChild = async ({ child, exited }: Child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = run('etcd', [
    '--name',
    'e2e',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    etcdUrl,
    '--advertise-client-urls',
    etcdUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `e2e=${peerUrl}`,
    '--unsafe-no-fsync',
    '--log-level',
    'warn',
  ]);

  const serviceAccountKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await writeFile(join(dir, 'pki', 'sa.key'), serviceAccountKey.privateKey.export({ type: 'sec1', format: 'pem' }));
  await writeFile(join(dir, 'pki', 'sa.pub'), serviceAccountKey.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(join(dir, 'pki', 'tokens.csv'), `${TOKEN},e2e-admin,e2e-admin,system:masters\n`);
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'e2e-admin', user: { token: TOKEN } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin' } }],
      'current-context': 'e2e',
    }),
  );

  const api: Cluster['api'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const call = request(
        `${server}${path}`,
        {
          method,
          rejectUnauthorized: false,
          headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', ...(payload ? { 'content-type': contentType } : {}) },
          timeout: 10_000,
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // plain text (e.g. /readyz)
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
        },
      );
      call.on('timeout', () => call.destroy(new Error(`${method} ${path}: timed out`)));
      call.on('error', reject);
      call.end(payload);
    });

  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${what} not ready within ${timeoutMs} ms; output:\n${output.slice(-20_000)}`);
  };

  await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 60_000);

  let apiServer: Child | undefined;
  const startApiServer = async () => {
    apiServer = run('kube-apiserver', [
      '--etcd-servers',
      etcdUrl,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(apiPort),
      '--cert-dir',
      join(dir, 'pki'),
      '--token-auth-file',
      join(dir, 'pki', 'tokens.csv'),
      '--authorization-mode',
      'RBAC',
      '--service-account-issuer',
      'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file',
      join(dir, 'pki', 'sa.pub'),
      '--service-account-signing-key-file',
      join(dir, 'pki', 'sa.key'),
      '--service-cluster-ip-range',
      '10.96.0.0/16',
      '--enable-priority-and-fairness=false',
      ...apiServerArgs,
    ]);
    await waitFor('kube-apiserver', async () => (await api('GET', '/readyz')).status === 200, 120_000);
  };
  await startApiServer();

  return {
    kubeconfig,
    server,
    token: TOKEN,
    startApiServer,
    stopApiServer: async () => {
      if (apiServer) await stopChild(apiServer);
    },
    api,
    kubectl: (...args) => execFileAsync('kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }),
    stop: async () => {
      if (apiServer) await stopChild(apiServer);
      await stopChild(etcd);
    },
    output: () => output,
  };
}
