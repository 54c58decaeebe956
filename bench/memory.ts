import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_NAMES, writeCertificateDirectory } from '../certs/folder.js';
import { systemRandomness } from '../certs/issue.js';
import { startFakeApiServer } from './support/fake-api-server.js';
import { inferenceSetObject, workspaceObject } from './support/kaito-objects.js';
import { firstMessage, forkPinned, freePort, metricValue, procStatusBytes, startCli, waitFor200 } from './support/processes.js';
import { atLeast, mib, spread, summary, table } from './support/report.js';

/**
 * The scaler's memory with Kubernetes discovery: a real `keda-kaito-scaler scaler` whose
 * kubeconfig points at the fake API server (in a process of its own) holding 2,000
 * InferenceSets and 10,000 Workspaces shaped like KAITO's, once its caches are synced
 * (/readyz) and a few seconds have passed; against the same scaler with an empty cluster
 * (the baseline: what Node, the libraries and the servers take before any object). RSS from
 * /proc/<pid>/status, the heap from the scaler's own /metrics. Each run twice; once more,
 * for reference, a scaler with an empty static targets file, which never loads the
 * Kubernetes client.
 *
 * Target: RSS <= 200 MB (10^6 bytes) with the caches full. Ratio: 200 MB / RSS.
 */
const SETS = 2000;
const WORKSPACES_PER_SET = 5;
const NAMESPACES = 20;
const RUNS = 2;
const SETTLE_MS = 3000;
const LIMIT_BYTES = 200e6;

/** In the API server's process: a cluster with `sets` InferenceSets and their Workspaces. */
async function serveApi(sets: number): Promise<void> {
  const api = await startFakeApiServer();
  for (let index = 0; index < sets; index += 1) {
    const namespace = `team-${String(index % NAMESPACES).padStart(2, '0')}`;
    const name = `model-${String(index).padStart(4, '0')}`;
    api.apply('inferencesets.kaito.sh', inferenceSetObject(namespace, name, index));
    for (let ordinal = 0; ordinal < WORKSPACES_PER_SET; ordinal += 1) {
      api.apply('workspaces.kaito.sh', workspaceObject(namespace, name, ordinal, index * WORKSPACES_PER_SET + ordinal));
    }
  }
  const listBytes = (resource: string) => api.list(resource).reduce((sum, object) => sum + JSON.stringify(object).length, 0);
  process.send?.({
    kubeconfig: api.kubeconfigPath,
    bytes: { inferenceSets: listBytes('inferencesets.kaito.sh'), workspaces: listBytes('workspaces.kaito.sh') },
  });
  process.on('disconnect', () => void api.close().then(() => process.exit(0)));
}

interface Sample {
  readonly syncMs: number;
  readonly rss: number;
  readonly peakRss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly objectBytes: number;
}

/** A scaler once ready (and `SETTLE_MS` later): its memory, and what it cached. */
async function scalerMemory(
  discovery: readonly string[],
  tlsDir: string,
): Promise<Omit<Sample, 'objectBytes'> & { readonly cached: { sets: number; workspaces: number } }> {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const started = performance.now();
  const scaler = startCli([
    'scaler',
    ...discovery,
    '--tls-dir',
    tlsDir,
    '--grpc-port',
    String(grpcPort),
    '--http-port',
    String(httpPort),
    '--host',
    '127.0.0.1',
  ]);
  try {
    await waitFor200(`http://127.0.0.1:${httpPort}/readyz`, 180_000, scaler.output);
    const syncMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    return {
      syncMs,
      rss: procStatusBytes(scaler.pid, 'VmRSS'),
      peakRss: procStatusBytes(scaler.pid, 'VmHWM'),
      heapUsed: metricValue(metrics, 'nodejs_heap_size_used_bytes'),
      heapTotal: metricValue(metrics, 'nodejs_heap_size_total_bytes'),
      external: metricValue(metrics, 'nodejs_external_memory_bytes'),
      cached: {
        sets: metricValue(metrics, 'kks_discovery_objects\\{resource="inferencesets.kaito.sh"\\}'),
        workspaces: metricValue(metrics, 'kks_discovery_objects\\{resource="workspaces.kaito.sh"\\}'),
      },
    };
  } finally {
    await scaler.stop();
  }
}

/** With Kubernetes discovery of a cluster of `sets` InferenceSets (5 Workspaces each). */
async function withCluster(sets: number, tlsDir: string): Promise<Sample> {
  const api = forkPinned(fileURLToPath(import.meta.url), ['--api', String(sets)]);
  try {
    const { kubeconfig, bytes } = await firstMessage(
      api,
      (message): message is { kubeconfig: string; bytes: { inferenceSets: number; workspaces: number } } =>
        typeof (message as { kubeconfig?: unknown }).kubeconfig === 'string',
    );
    const { cached, ...sample } = await scalerMemory(['--kubeconfig', kubeconfig], tlsDir);
    if (cached.sets !== sets || cached.workspaces !== sets * WORKSPACES_PER_SET) {
      throw new Error(
        `the caches hold ${cached.sets} InferenceSets and ${cached.workspaces} Workspaces, not ${sets} and ${sets * WORKSPACES_PER_SET}`,
      );
    }
    return { ...sample, objectBytes: bytes.inferenceSets + bytes.workspaces };
  } finally {
    api.kill();
  }
}

async function main(): Promise<void> {
  const apiIndex = process.argv.indexOf('--api');
  if (apiIndex >= 0) return serveApi(Number(process.argv[apiIndex + 1]));

  const dir = mkdtempSync(join(tmpdir(), 'kks-bench-memory-'));
  const withoutClient: Sample[] = [];
  const idle: Sample[] = [];
  const loaded: Sample[] = [];
  try {
    const written = await writeCertificateDirectory(
      { out: dir, names: DEFAULT_SERVER_NAMES, mode: 'create' },
      { now: new Date(), random: systemRandomness },
    );
    if (!written.ok) throw new Error(written.problem.message);
    const targets = join(dir, 'targets.yaml');
    writeFileSync(targets, 'inferenceSets: []\n');
    withoutClient.push({ ...(await scalerMemory(['--targets', targets], join(dir, 'server'))), objectBytes: 0 });
    for (let run = 0; run < RUNS; run += 1) {
      idle.push(await withCluster(0, join(dir, 'server')));
      loaded.push(await withCluster(SETS, join(dir, 'server')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const row = (cluster: string, samples: readonly Sample[]) => ({
    cluster,
    'synced after s': spread(samples.map((sample) => sample.syncMs / 1000)),
    'RSS MiB': spread(samples.map((sample) => mib(sample.rss))),
    'peak RSS MiB': spread(samples.map((sample) => mib(sample.peakRss))),
    'heap used MiB': spread(samples.map((sample) => mib(sample.heapUsed))),
    'heap total MiB': spread(samples.map((sample) => mib(sample.heapTotal))),
    'external MiB': spread(samples.map((sample) => mib(sample.external))),
    'objects listed MiB': mib(samples[0]?.objectBytes ?? NaN),
  });
  table(
    `memory: the scaler with Kubernetes discovery (fake API server), ${SETTLE_MS / 1000} s after /readyz, ${RUNS} runs; median (min-max)`,
    [
      row('(static targets, no Kubernetes client)', withoutClient),
      row('empty (baseline)', idle),
      row(`${SETS} InferenceSets, ${SETS * WORKSPACES_PER_SET} Workspaces`, loaded),
    ],
  );
  const objects = SETS * (1 + WORKSPACES_PER_SET);
  table('memory: what the caches add over the empty cluster, per object cached', [
    {
      'RSS bytes/object': spread(loaded.map((sample, index) => (sample.rss - (idle[index]?.rss ?? NaN)) / objects)),
      'heap used bytes/object': spread(loaded.map((sample, index) => (sample.heapUsed - (idle[index]?.heapUsed ?? NaN)) / objects)),
    },
  ]);
  const worst = Math.max(...loaded.map((sample) => sample.rss));
  summary('memory', atLeast('200 MB / RSS with the caches full (worst run)', LIMIT_BYTES / worst, 1), [
    atLeast('200 MB / peak RSS while listing (worst run)', LIMIT_BYTES / Math.max(...loaded.map((sample) => sample.peakRss)), 1),
  ]);
}

await main();
