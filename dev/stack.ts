import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_NAMES, writeAtomically, writeCertificateDirectory } from '../certs/folder.js';
import { systemRandomness } from '../certs/issue.js';
import { startHooks, type RunningHooks } from '../hooks/start.js';
import type { Logger } from '../lib/log.js';
import { listenProblem, type PortUse } from '../lib/ports.js';
import { fail, ok, type Result } from '../lib/result.js';
import { command as scalerCommand } from '../commands/scaler.js';
import { realParts } from '../scaler/parts.js';
import { startScaler, type RunningScaler, type ScalerParts } from '../scaler/start.js';
import { createCore } from '../scaler/core.js';
import { createKedaClient, type Answer, type KedaClient } from '../scaler/client.js';
import { TLS_FILES } from '../scaler/tls.js';
import type { DevOptions } from '../schemas/dev-options.js';
import { hooksCommand } from '../schemas/hooks-options.js';
import { readCompositePolicy } from '../hooks/composite.js';
import {
  formatCompositeBanner,
  formatCompositePoll,
  readCompositeAnswer,
  type CompositeScaledObject,
  type TriggerPoll,
} from './composite.js';
import { formatBanner, formatBannerHead, formatPoll, tryCommands, type TryCommands } from './display.js';
import { loadAt, phaseAt } from './load-pattern.js';
import { matchObserved, readings, type Observed } from './measurements.js';
import { checkPortsFree, planPorts } from './ports.js';
import { readInferenceSet, readSyncAnswer, syncRequest, targetsYaml, type RenderedScaledObject } from './scaled-object.js';
import { startReplica, type Replica } from './vllm-replica.js';

/**
 * The whole system in one process: dev certificates, simulated vLLM replicas whose load
 * follows a pattern, the scaler (mTLS, static targets), the hooks, the ScaledObject the
 * sync hook renders for an InferenceSet, and a KEDA-like poller of the scaler.
 */

const HOST = '127.0.0.1';
const CALL_TIMEOUT_MS = 3000;
const OBSERVED_KEPT = 32;

export interface DevStack {
  readonly ports: { readonly hooks: number; readonly grpc: number; readonly http: number; readonly replicas: readonly number[] };
  readonly scaledObject: RenderedScaledObject | CompositeScaledObject;
  readonly commands: TryCommands;
  /** What runs where and what to try, as printed at start. */
  readonly banner: readonly string[];
  /** GetMetricSpec once, then GetMetrics and IsActive every poll interval; one line each through `out`. */
  startPolling(out: (line: string) => void): void;
  /** Stops polling, then the scaler, the hooks and the replicas; ports are free when it resolves. Idempotent. */
  stop(): Promise<void>;
}

/** The folder with package.json above this module (in the sources and in dist/). */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('package.json not found above the dev stack module');
    folder = parent;
  }
  return folder;
}

export async function startDevStack(options: DevOptions, log: Logger): Promise<Result<DevStack>> {
  const root = packageRoot();
  // Paths as typed from the folder the commands run in: relative below it, absolute elsewhere.
  const shown = (path: string) => {
    const below = relative(process.cwd(), path);
    return below === '' ? '.' : below.startsWith('..') || isAbsolute(below) ? resolve(path) : below;
  };

  const plan = planPorts(options);
  if (!plan.ok) return plan;
  const free = await checkPortsFree(plan.value, HOST);
  if (!free.ok) return free;

  const inferenceSetFile =
    options.inferenceSet ?? join(root, 'examples', options.policy === 'composite' ? 'inferenceset-composite.yaml' : 'inferenceset.yaml');
  let inferenceSetText: string;
  try {
    inferenceSetText = await readFile(inferenceSetFile, 'utf8');
  } catch (error) {
    return fail(
      'InvalidInferenceSet',
      `cannot read the InferenceSet file ${inferenceSetFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check --inference-set`,
    );
  }
  const inferenceSet = readInferenceSet(inferenceSetText, shown(inferenceSetFile));
  if (!inferenceSet.ok) return inferenceSet;

  const tlsDir = join(options.dir, 'tls');
  const certificates = await writeCertificateDirectory(
    { out: tlsDir, names: DEFAULT_SERVER_NAMES, mode: 'reuse' },
    { now: new Date(), random: systemRandomness },
  ).catch((error: Error) => fail<never>('CertificatesUnwritable', error.message));
  if (!certificates.ok) return fail('Certificates', `dev certificates in ${tlsDir}: ${certificates.problem.message}`);
  const certificatesText =
    certificates.value.written.length === 0
      ? `valid, reused (renewal due ${certificates.value.nextCheck.toISOString().slice(0, 10)})`
      : `wrote ${certificates.value.written.length} files (${[...new Set(certificates.value.changes.map((change) => `${change.part}: ${change.reason}`))].join(', ')})`;

  // Everything started so far, stopped in reverse on a failure or at the end.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: unknown) => log.error({ err: error }, 'dev stack: stopping a part failed'));
  };
  // A server that cannot listen is reported with the flag that moves its port.
  const started = async <T>(use: PortUse, start: () => Promise<T>): Promise<Result<T>> => {
    try {
      return ok(await start());
    } catch (error) {
      return fail('CannotListen', listenProblem(use, HOST, error));
    }
  };
  const abort = async <T>(problem: Result<T>): Promise<Result<never>> => {
    await stopAll();
    return problem as Result<never>;
  };

  // Replicas, and their load from t = 0 on.
  const replicas: Replica[] = [];
  for (const [index, use] of plan.value.replicas.entries()) {
    const replica = await started(use, () => startReplica({ host: HOST, port: use.port, model: inferenceSet.value.name, seed: index + 1 }));
    if (!replica.ok) return abort(replica);
    replicas.push(replica.value);
    stops.push(() => replica.value.close());
  }
  const startedAt = Date.now();
  let lastTick = startedAt;
  const tick = () => {
    const at = Date.now();
    const elapsed = Math.floor((at - startedAt) / 1000);
    replicas.forEach((replica, index) => {
      const load = loadAt(options.pattern, elapsed, index, replicas.length);
      replica.advance((at - lastTick) / 1000, load);
      replica.setReachable(load.reachable);
    });
    lastTick = at;
  };
  tick();
  const loadTimer = setInterval(tick, 1000);
  stops.push(async () => clearInterval(loadTimer));

  const addresses = replicas.map((replica) => `${HOST}:${replica.port}`);
  const targetsFile = join(options.dir, 'targets.yaml');
  try {
    await mkdir(options.dir, { recursive: true });
    await writeAtomically(targetsFile, targetsYaml(inferenceSet.value, addresses), 0o644);
  } catch (error) {
    return abort(fail('TargetsFile', `cannot write ${targetsFile}: ${(error as Error).message}`));
  }

  // The scaler, with a tap on its measurements for the poll lines.
  const observed: Observed[] = [];
  // Why a composite trigger answered a neutral value, by metric, for the poll lines.
  const reasons = new Map<string, string | undefined>();
  const parts: ScalerParts = {
    createCore(coreOptions) {
      // Each poll line shows what the measurer warns about (replicas without a sample, a
      // failed measurement), so at the default level it only reports errors.
      const coreLog = options.logLevel === 'warn' ? coreOptions.log.child({}, { level: 'error' }) : coreOptions.log;
      const core = createCore({ ...coreOptions, log: coreLog });
      return {
        ...core,
        async measure(config, urls, deadline, view) {
          const result = await core.measure(config, urls, deadline, view);
          // Measurements of one scrape round carry each replica's reading for the poll line.
          if (!result.ok || 'outcomes' in result.value) {
            observed.push({
              at: Date.now(),
              namespace: config.inferenceSetNamespace,
              name: config.inferenceSetName,
              metricName: config.metricName,
              result: result as Observed['result'],
            });
            observed.splice(0, Math.max(0, observed.length - OBSERVED_KEPT));
          }
          reasons.set(config.metricName, result.ok && 'reason' in result.value ? String(result.value.reason) : undefined);
          return result;
        },
      };
    },
    startDiscovery: (discoveryOptions) => realParts.startDiscovery(discoveryOptions),
  };
  // Windows fill in seconds, not minutes: the dev stack samples every second.
  const scalerDefaults = scalerCommand.validate({
    tlsDir: join(tlsDir, 'server'),
    targets: targetsFile,
    host: HOST,
    sampleInterval: 1,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
  });
  if (!scalerDefaults.ok) return abort(scalerDefaults);
  const scalerOptions = { ...scalerDefaults.value, grpcPort: plan.value.grpc.port, httpPort: plan.value.http.port, shutdownGraceMs: 3000 };
  const scaler = await startScaler(scalerOptions, log.child({ component: 'scaler' }), parts);
  if (!scaler.ok) {
    const problem =
      scaler.problem.reason === 'CannotListen'
        ? `${scaler.problem.message}: pass --grpc-port or --http-port with another port`
        : scaler.problem.message;
    return abort(fail(scaler.problem.reason, problem));
  }
  stops.push(() => scaler.value.stop());
  const ready = await waitUntilReady(scaler.value);
  if (!ready.ok) return abort(ready);

  // The hooks, writing this scaler's address into the ScaledObjects they render.
  const hooksDefaults = hooksCommand.validate({
    port: plan.value.hooks.port,
    scalerAddress: `${HOST}:${scaler.value.grpcPort}`,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
  });
  if (!hooksDefaults.ok) return abort(hooksDefaults);
  const hooks = await started<RunningHooks>(plan.value.hooks, () =>
    startHooks(hooksDefaults.value, log.child({ component: 'hooks' }), HOST),
  );
  if (!hooks.ok) return abort(hooks);
  stops.push(() => hooks.value.stop(1000));

  const answer = await postJson(`http://${HOST}:${hooks.value.port}/sync`, syncRequest(inferenceSet.value));
  if (!answer.ok) return abort(answer);
  const composite = readCompositeAnswer(answer.value.status, answer.value.body);
  const annotations = (inferenceSet.value.object['metadata'] as { annotations?: Record<string, string> }).annotations ?? {};
  const policy = composite === undefined ? undefined : readCompositePolicy(annotations);
  if (policy !== undefined && !policy.ok) return abort(policy);
  const scaledObject =
    composite === undefined ? readSyncAnswer(answer.value.status, answer.value.body, shown(inferenceSetFile)) : ok(composite);
  if (!scaledObject.ok) return abort(scaledObject);
  const so = scaledObject.value;
  const firstMetadata = 'triggers' in so ? (so.triggers[0]?.metadata ?? {}) : so.metadata;

  const commands = tryCommands({
    hooksPort: hooks.value.port,
    grpcPort: scaler.value.grpcPort,
    syncRequest: shown(join(root, 'examples', 'sync-decorator.json')),
    cli: shown(join(root, 'dist', 'cli.js')),
    clientTlsDir: join(tlsDir, 'client'),
    namespace: so.namespace,
    metadata: firstMetadata,
  });
  const bannerInput = {
    replicas: addresses,
    pattern: options.pattern,
    grpcPort: scaler.value.grpcPort,
    httpPort: scaler.value.httpPort,
    hooksPort: hooks.value.port,
    tlsDir,
    certificates: certificatesText,
    targetsFile,
    inferenceSetFile: shown(inferenceSetFile),
    commands,
    pollSeconds: options.pollInterval,
    durationSeconds: options.duration,
  };
  const banner =
    'triggers' in so
      ? formatCompositeBanner({
          head: formatBannerHead(bannerInput),
          inferenceSetFile: shown(inferenceSetFile),
          scaledObject: so,
          commands,
          pollSeconds: options.pollInterval,
        })
      : formatBanner({ ...bannerInput, scaledObject: so });

  let credentials: { ca: Buffer; cert: Buffer; key: Buffer };
  try {
    const [ca, cert, key] = await Promise.all(
      [TLS_FILES.ca, TLS_FILES.cert, TLS_FILES.key].map((file) => readFile(join(tlsDir, 'client', file))),
    );
    credentials = { ca: ca as Buffer, cert: cert as Buffer, key: key as Buffer };
  } catch (error) {
    return abort(fail('Certificates', `cannot read the client certificate in ${join(tlsDir, 'client')}: ${(error as Error).message}`));
  }
  const connect = (scalerMetadata: Readonly<Record<string, string>>): KedaClient => {
    const client = createKedaClient({
      address: `${HOST}:${scaler.value.grpcPort}`,
      // The certificate names 127.0.0.1 too, but TLS's server name indication may not be an IP address.
      serverName: 'localhost',
      ...credentials,
      ref: { name: so.name, namespace: so.namespace, scalerMetadata: { ...scalerMetadata } },
      timeoutMs: CALL_TIMEOUT_MS,
    });
    stops.push(async () => client.close());
    return client;
  };
  const elapsed = (at: number) => Math.floor((at - startedAt) / 1000);

  /** What one poll of KEDA does: GetMetricSpec when it builds the HPA (`begin`), then GetMetrics every interval. */
  interface Poller {
    begin(out: (line: string) => void): Promise<void>;
    poll(out: (line: string) => void): Promise<void>;
  }
  let poller: Poller;
  if ('triggers' in so && policy?.ok) {
    const clients = so.triggers.map((trigger) => ({ trigger, client: connect(trigger.metadata), metricName: '' }));
    poller = {
      async begin(out) {
        for (const entry of clients) {
          const spec = await entry.client.getMetricSpec();
          entry.metricName = spec.ok ? (spec.value.metricSpecs[0]?.metricName ?? '') : '';
          out(
            spec.ok
              ? `GetMetricSpec ${entry.trigger.name}: metricName=${entry.metricName}`
              : `GetMetricSpec ${entry.trigger.name} ${spec.problem.reason}: ${spec.problem.message}`,
          );
        }
      },
      async poll(out) {
        const since = Date.now();
        const polls: TriggerPoll[] = [];
        // KEDA asks each trigger in turn, then evaluates the formula.
        for (const { trigger, client, metricName } of clients) {
          const { metrics } = await client.poll(metricName);
          const value: Answer<number> = metrics.ok
            ? { ok: true, value: metrics.value.metricValues[0]?.metricValueFloat ?? Number.NaN }
            : metrics;
          const reason = reasons.get(trigger.metadata['metricName'] ?? '');
          polls.push({ name: trigger.name, value, ...(reason !== undefined && { reason }) });
        }
        out(formatCompositePoll(elapsed(since), phaseAt(options.pattern, elapsed(since)), policy.value, polls));
      },
    };
  } else if (!('triggers' in so)) {
    const keda = connect(so.metadata);
    let metricName = '';
    poller = {
      async begin(out) {
        const spec = await keda.getMetricSpec();
        metricName = spec.ok ? (spec.value.metricSpecs[0]?.metricName ?? '') : '';
        out(
          spec.ok
            ? `GetMetricSpec ${spec.value.metricSpecs.map((entry) => `metricName=${entry.metricName} targetSizeFloat=${entry.targetSizeFloat}`).join(' ')}`
            : `GetMetricSpec ${spec.problem.reason}: ${spec.problem.message}`,
        );
      },
      async poll(out) {
        const since = Date.now();
        const { metrics, active } = await keda.poll(metricName);
        const value: Answer<number> = metrics.ok
          ? metrics.value.metricValues[0]
            ? { ok: true, value: metrics.value.metricValues[0].metricValueFloat }
            : { ok: false, problem: { reason: 'EMPTY', message: 'GetMetrics answered no metric value' } }
          : metrics;
        const measured = matchObserved(observed, {
          namespace: so.metadata['inferenceSetNamespace'] ?? '',
          name: so.metadata['inferenceSetName'] ?? '',
          metricName: so.metricName,
          since,
          answer: value,
        });
        out(
          formatPoll({
            elapsedSeconds: elapsed(since),
            phase: phaseAt(options.pattern, elapsed(since)),
            replicas: measured?.result.ok ? readings(measured.result.value) : undefined,
            value,
            active: active.ok ? { ok: true, value: active.value.result } : active,
            threshold: so.threshold,
            bounds: { min: so.min, max: so.max },
          }),
        );
      },
    };
  } else {
    return abort(fail('BadSyncAnswer', 'the composite ScaledObject came without a readable policy'));
  }

  let stopping: Promise<void> | undefined;
  let polling = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  return ok({
    ports: {
      hooks: hooks.value.port,
      grpc: scaler.value.grpcPort,
      http: scaler.value.httpPort,
      replicas: replicas.map((replica) => replica.port),
    },
    scaledObject: so,
    commands,
    banner,
    startPolling(out) {
      if (polling || stopping) return;
      polling = true;
      const intervalMs = options.pollInterval * 1000;
      const loop = async () => {
        const began = Date.now();
        await poller.poll(out).catch((error: unknown) => log.error({ err: error }, 'dev stack: poll failed'));
        if (stopping) return;
        pollTimer = setTimeout(() => (inFlight = loop()), Math.max(0, intervalMs - (Date.now() - began)));
      };
      inFlight = (async () => {
        await poller.begin(out);
        if (!stopping) await loop();
      })();
    },
    stop() {
      stopping ??= (async () => {
        clearTimeout(pollTimer);
        // A poll in flight finishes (its calls carry a deadline) before the scaler stops.
        while (inFlight) {
          const current = inFlight;
          await current;
          if (inFlight === current) break;
        }
        await stopAll();
      })();
      return stopping;
    },
  });
}

/** The scaler loads its certificates and targets at start; a bad set shows here, with the reason. */
async function waitUntilReady(scaler: RunningScaler): Promise<Result<void>> {
  const end = Date.now() + 5000;
  for (;;) {
    const reasons = scaler.notReadyReasons();
    if (reasons.length === 0) return ok(undefined);
    if (Date.now() > end) return fail('ScalerNotReady', `the scaler is not ready: ${reasons.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POST of JSON on a fresh connection (none left open to delay the exit). */
function postJson(url: string, body: unknown): Promise<Result<{ status: number; body: unknown }>> {
  return new Promise((resolveAnswer) => {
    const text = JSON.stringify(body);
    const call = request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          try {
            resolveAnswer(ok({ status: response.statusCode ?? 0, body: JSON.parse(raw) as unknown }));
          } catch {
            resolveAnswer(
              fail(
                'BadSyncAnswer',
                `the sync hook answered ${response.statusCode ?? 0} with a body that is not JSON: ${raw.slice(0, 200)}`,
              ),
            );
          }
        });
        response.on('error', (error) => resolveAnswer(fail('SyncFailed', `reading the sync hook's answer failed: ${error.message}`)));
      },
    );
    call.on('timeout', () => call.destroy(new Error('no answer within 10 s')));
    call.on('error', (error) => resolveAnswer(fail('SyncFailed', `POST ${url} failed: ${error.message}`)));
    call.end(text);
  });
}
