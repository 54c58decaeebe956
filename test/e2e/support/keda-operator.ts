import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../support/cli.js';
import { BIN } from './go.js';

export interface Operator {
  stop(): Promise<void>;
  output(): string;
}

/**
 * KEDA's operator (built from the KEDA module by test/e2e/build.sh) against the cluster of
 * `kubeconfig`, watching every namespace, with KEDA's namespace `keda`. Its metrics service
 * (the gRPC server KEDA's metrics adapter calls, not used here) serves `serviceCertificate`:
 * with cert rotation on, the operator would exit after writing its own, for its Pod to be
 * restarted. No webhook or APIService is installed, so none is patched. It runs in a mount namespace of its own whose /etc/hosts maps the
 * given names to 127.0.0.1, as cluster DNS maps a Service name to its address.
 */
export async function startOperator(
  dir: string,
  kubeconfig: string,
  hosts: readonly string[],
  serviceCertificate: Readonly<Record<string, string>>,
): Promise<Operator> {
  await mkdir(join(dir, 'keda-certs'), { recursive: true });
  for (const [file, base64] of Object.entries(serviceCertificate)) {
    await writeFile(join(dir, 'keda-certs', file), Buffer.from(base64, 'base64'), { mode: 0o600 });
  }
  await mkdir(join(dir, 'keda-ca'), { recursive: true });
  const hostsFile = join(dir, 'hosts');
  await writeFile(hostsFile, ['127.0.0.1 localhost', ...hosts.map((host) => `127.0.0.1 ${host}`), ''].join('\n'));
  const [metrics, probe, service] = [await freePort(), await freePort(), await freePort()];
  const args = [
    '--leader-elect=false',
    `--metrics-bind-address=127.0.0.1:${metrics}`,
    `--health-probe-bind-address=127.0.0.1:${probe}`,
    `--metrics-service-bind-address=127.0.0.1:${service}`,
    '--enable-cert-rotation=false',
    `--cert-dir=${join(dir, 'keda-certs')}`,
    `--ca-dir=${join(dir, 'keda-ca')}`,
    '--enable-webhook-patching=false',
    '--enable-apiservice-patching=false',
    '--zap-log-level=info',
  ];
  const child: ChildProcess = spawn(
    'unshare',
    ['--mount', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, `${BIN}keda-operator`, ...args],
    {
      env: { ...process.env, KUBECONFIG: kubeconfig, WATCH_NAMESPACE: '', POD_NAMESPACE: 'keda', KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-500_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
