import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TLS_FILES } from '../../../scaler/tls.js';
import type { Secret } from '../../../hooks/certificates.js';
import { freePort, start, type Running } from '../../support/cli.js';

export interface ScalerProcess {
  readonly grpcAddress: string;
  readonly process: Running;
  stop(): Promise<void>;
}

/**
 * The built scaler (`node dist/cli.js scaler`) on 127.0.0.1, with its TLS folder filled
 * from the server Secret the way the Deployment mounts it (every key a file).
 */
export async function startScaler(dir: string, serverSecret: Secret, args: readonly string[]): Promise<ScalerProcess> {
  const tlsDir = join(dir, 'tls');
  await mkdir(tlsDir, { recursive: true });
  for (const key of [TLS_FILES.ca, TLS_FILES.cert, TLS_FILES.key]) {
    const value = serverSecret.data[key];
    if (value === undefined) throw new Error(`server Secret ${serverSecret.metadata.name} has no key ${key}`);
    await writeFile(join(tlsDir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
  }
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const process = start([
    'scaler',
    '--host',
    '127.0.0.1',
    '--grpc-port',
    String(grpcPort),
    '--http-port',
    String(httpPort),
    '--tls-dir',
    tlsDir,
    ...args,
  ]);
  await process.waitForLog('scaler started', 30_000);
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    process,
    stop: async () => void (await process.stop()),
  };
}
