import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_SERVER_NAMES, writeCertificateDirectory } from '../certs/folder.js';
import { systemRandomness } from '../certs/issue.js';
import { createLoad, errorCount, METHODS, p, rate, type PhaseResult } from './support/grpc-load.js';
import { canPin, freePort, ownCpuMs, pinSelf, procCpuMs, repoPath, startCli, waitFor200 } from './support/processes.js';
import { startFarm } from './support/replica-farm.js';
import { atLeast, atMost, summary, table, type Row } from './support/report.js';

/**
 * The scaler as KEDA meets it: a real `keda-kaito-scaler scaler` process (static targets:
 * 1,000 InferenceSets x 4 replicas, each replica a port of its own in a farm process that
 * answers the filtered vLLM page 20 ms late), pinned to core 0; KEDA-like clients over mTLS
 * (certificates from the project's issuance) in this process, with the farm, on core 1.
 * Each cycle is KEDA's GetMetricSpec, GetMetrics, IsActive for the next InferenceSet in
 * turn.
 *
 * Two phases: an open loop at the target rate (200 cycles/s: latency at that load, queueing
 * included), then a closed loop of 16 cycles in flight (5 HPA workers and KEDA's scale
 * loops, with room to spare): the sustained rate. Ratio: sustained GetMetrics/s over the
 * 200/s target. Targets: >= 200 GetMetrics/s, no failed call. The p99 latencies are reported
 * beside them without a target: an absolute time is no target on a shared machine, and this
 * run has no baseline to hold them against.
 */
const SETS = 1000;
const REPLICAS = 4;
const DELAY_MS = 20;
const CLIENTS = 8;
const TARGET_PER_SECOND = 200;
const CONCURRENCY = 16;
const PHASE_MS = 10_000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kks-bench-grpc-'));
  const written = await writeCertificateDirectory(
    { out: join(dir, 'tls'), names: DEFAULT_SERVER_NAMES, mode: 'create' },
    { now: new Date(), random: systemRandomness },
  );
  if (!written.ok) throw new Error(written.problem.message);
  const pinnedHere = pinSelf(1);
  const farm = await startFarm({
    count: SETS * REPLICAS,
    delayMs: DELAY_MS,
    filter: true,
    page: repoPath('test/fixtures/vllm-metrics/vllm-v1-after-traffic.txt'),
    core: 1,
  });
  const sets = Array.from({ length: SETS }, (_, index) => ({
    namespace: `team-${String(index % 10).padStart(2, '0')}`,
    name: `model-${String(index).padStart(4, '0')}`,
    workspaces: farm.addresses.slice(index * REPLICAS, (index + 1) * REPLICAS),
  }));
  const targets = join(dir, 'targets.yaml');
  writeFileSync(targets, stringify({ inferenceSets: sets }));

  const grpcPort = await freePort();
  const httpPort = await freePort();
  const scaler = startCli(
    [
      'scaler',
      '--grpc-port',
      String(grpcPort),
      '--http-port',
      String(httpPort),
      '--host',
      '127.0.0.1',
      '--tls-dir',
      join(dir, 'tls', 'server'),
      '--targets',
      targets,
    ],
    { core: 0 },
  );
  const load = createLoad({
    address: `localhost:${grpcPort}`,
    tlsDir: join(dir, 'tls', 'client'),
    clients: CLIENTS,
    refs: sets.map((set) => ({
      name: set.name,
      namespace: set.namespace,
      scalerMetadata: {
        inferenceSetName: set.name,
        inferenceSetNamespace: set.namespace,
        metricName: 'vllm:num_requests_waiting',
        threshold: '10',
      },
    })),
  });
  const phases: Array<{ name: string; result: PhaseResult; scalerCpu: number; clientCpu: number; farmCpu: number }> = [];
  try {
    await waitFor200(`http://127.0.0.1:${httpPort}/readyz`, 30_000, scaler.output);
    const measured = async (name: string, run: () => Promise<PhaseResult>) => {
      const before = { scaler: procCpuMs(scaler.pid), client: ownCpuMs(), farm: farm.cpuMs() };
      const result = await run();
      const share = (ms: number) => ms / (result.seconds * 1000);
      phases.push({
        name,
        result,
        scalerCpu: share(procCpuMs(scaler.pid) - before.scaler),
        clientCpu: share(ownCpuMs() - before.client),
        farmCpu: share(farm.cpuMs() - before.farm),
      });
    };
    // Opens every connection and warms the code paths; not reported.
    await load.closedLoop(CONCURRENCY, 3000);
    await measured(`open loop, ${TARGET_PER_SECOND} cycles/s`, () => load.openLoop(TARGET_PER_SECOND, PHASE_MS));
    await measured(`closed loop, ${CONCURRENCY} in flight`, () => load.closedLoop(CONCURRENCY, PHASE_MS));
  } finally {
    load.close();
    await scaler.stop();
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const where = canPin
    ? `scaler pinned to core 0 (taskset), clients ${pinnedHere ? 'and replicas on core 1' : 'unpinned'}`
    : 'processes not pinned (no taskset)';
  table(
    `grpc-throughput: ${SETS} InferenceSets x ${REPLICAS} replicas (${DELAY_MS} ms late, filtered page), ${CLIENTS} mTLS clients, ${PHASE_MS / 1000} s per phase; ${where}`,
    phases.map(
      ({ name, result, scalerCpu, clientCpu, farmCpu }): Row => ({
        phase: name,
        'GetMetrics/s': rate(result, 'GetMetrics'),
        'calls/s': METHODS.reduce((sum, method) => sum + rate(result, method), 0),
        'GetMetrics p50 ms': p(result, 'GetMetrics', 50),
        'GetMetrics p99 ms': p(result, 'GetMetrics', 99),
        'spec p99 ms': p(result, 'GetMetricSpec', 99),
        'IsActive p99 ms': p(result, 'IsActive', 99),
        errors: errorCount(result),
        'scaler cpu': `${(scalerCpu * 100).toFixed(0)}%`,
        'scaler cpu ms/cycle': (scalerCpu * result.seconds * 1000) / Math.max(1, result.cycles),
        'clients cpu': `${(clientCpu * 100).toFixed(0)}%`,
        'replicas cpu': `${(farmCpu * 100).toFixed(0)}%`,
      }),
    ),
  );
  for (const { name, result } of phases) if (errorCount(result) > 0) console.log(`${name}: failed calls ${JSON.stringify(result.errors)}`);

  const [open, closed] = phases.map((phase) => phase.result);
  if (!open || !closed) throw new Error('a phase is missing');
  summary(
    'grpc-throughput',
    atLeast(`sustained GetMetrics/s (closed loop) / ${TARGET_PER_SECOND}`, rate(closed, 'GetMetrics') / TARGET_PER_SECOND, 1),
    [
      atLeast(`GetMetrics/s achieved at ${TARGET_PER_SECOND}/s offered`, rate(open, 'GetMetrics'), TARGET_PER_SECOND * 0.98),
      atMost('failed calls', errorCount(open) + errorCount(closed), 0),
    ],
    [
      { what: 'GetMetrics p99 ms, sustained', value: p(closed, 'GetMetrics', 99) },
      { what: `GetMetrics p99 ms at ${TARGET_PER_SECOND}/s`, value: p(open, 'GetMetrics', 99) },
    ],
  );
}

await main();
