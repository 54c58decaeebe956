import type { Answer } from '../scaler/client.js';
import { desiredReplicas, type ReplicaBounds } from './hpa.js';

/**
 * What `keda-kaito-scaler dev` prints: the commands to try against the running stack and
 * one line per poll of the scaler. Pure text from plain values.
 */

/** A word as `sh` reads it back unchanged: bare when it is safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface CommandsInput {
  readonly hooksPort: number;
  readonly grpcPort: number;
  /** Paths as the user runs them from the current folder. */
  readonly syncRequest: string;
  readonly cli: string;
  readonly clientTlsDir: string;
  /** The calling ScaledObject's namespace. */
  readonly namespace: string;
  /** The trigger's metadata; KEDA's own keys are left out: `--address` is the scalerAddress, and query always dials with TLS. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface TryCommands {
  readonly curl: string;
  readonly query: string;
}

/** Trigger metadata KEDA reads itself and the scaler ignores. */
const KEDA_KEYS: ReadonlySet<string> = new Set(['scalerAddress', 'enableTLS']);

/** `curl` of the sync hook with the example request, and `query` of the scaler with the rendered trigger. */
export function tryCommands(input: CommandsInput): TryCommands {
  const curl = [
    'curl -s',
    `localhost:${input.hooksPort}/sync`,
    "-H 'content-type: application/json'",
    `-d ${shellQuote(`@${input.syncRequest}`)}`,
  ].join(' ');
  const metadata = Object.entries(input.metadata)
    .filter(([key]) => !KEDA_KEYS.has(key))
    .map(([key, value]) => `--metadata ${shellQuote(`${key}=${value}`)}`);
  const query = [
    `node ${shellQuote(input.cli)} query`,
    `--address 127.0.0.1:${input.grpcPort}`,
    // The dev certificate names localhost and 127.0.0.1; verifying the name keeps an IP address
    // out of TLS's server name indication, which Node warns about.
    '--server-name localhost',
    `--tls-dir ${shellQuote(input.clientTlsDir)}`,
    `--namespace ${shellQuote(input.namespace)}`,
    ...metadata,
  ].join(' ');
  return { curl, query };
}

/** One replica's reading as the scaler took it: a value, or why there was none. */
export type ReplicaReading = { readonly value: number } | { readonly missing: string };

export interface Poll {
  readonly elapsedSeconds: number;
  /** What the simulated load is doing (steady, burst, idle). */
  readonly phase: string;
  /** Per replica in the targets' order, labelled (e.g. ":9001"); undefined when the scaler measured nothing this poll. */
  readonly replicas: ReadonlyArray<{ readonly label: string; readonly reading: ReplicaReading }> | undefined;
  readonly value: Answer<number>;
  readonly active: Answer<boolean>;
  readonly threshold: number;
  readonly bounds: ReplicaBounds;
}

const number = (value: number): string => String(Number(value.toPrecision(12)));

/**
 * `t=12s steady  :9001=3 :9002=4 :9003=Unreachable  value=17 threshold=10 active=true  HPA wants 2 = ceil(17/10)`
 */
export function formatPoll(poll: Poll): string {
  const head = `${`t=${poll.elapsedSeconds}s`.padEnd(6)} ${poll.phase.padEnd(6)}`;
  const replicas =
    poll.replicas === undefined
      ? '(no measurement)'
      : poll.replicas.map(({ label, reading }) => `${label}=${'value' in reading ? number(reading.value) : reading.missing}`).join(' ');
  const value = poll.value.ok ? `value=${number(poll.value.value)}` : `value=${poll.value.problem.reason}`;
  const active = poll.active.ok ? `active=${poll.active.value}` : `active=${poll.active.problem.reason}`;
  const answer = `${value} threshold=${number(poll.threshold)} ${active}`;
  return `${head}  ${replicas}  ${answer}  ${hpaText(poll)}`;
}

function hpaText(poll: Poll): string {
  if (!poll.value.ok) return `HPA keeps its replica count (${poll.value.problem.message})`;
  // KEDA reads activity from IsActive; without an answer it counts the trigger as active.
  const active = poll.active.ok ? poll.active.value : true;
  const desired = desiredReplicas(poll.value.value, poll.threshold, active, poll.bounds);
  const ratio = `ceil(${number(poll.value.value)}/${number(poll.threshold)})`;
  switch (desired.by) {
    case 'ratio':
      return `HPA wants ${desired.replicas} = ${ratio}`;
    case 'min':
      return `HPA wants ${desired.replicas}: ${ratio} = ${desired.wanted}, raised to min ${desired.replicas}`;
    case 'max':
      return `HPA wants ${desired.replicas}: ${ratio} = ${desired.wanted}, capped at max ${poll.bounds.max}`;
    case 'inactive':
      return 'KEDA scales to 0: inactive, min 0';
  }
}

export interface BannerInput {
  readonly replicas: readonly string[];
  readonly pattern: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly hooksPort: number;
  readonly tlsDir: string;
  readonly certificates: string;
  readonly targetsFile: string;
  readonly inferenceSetFile: string;
  readonly scaledObject: {
    readonly namespace: string;
    readonly name: string;
    readonly scalerAddress: string;
    readonly metricName: string;
    readonly threshold: number;
  } & ReplicaBounds;
  readonly commands: TryCommands;
  readonly pollSeconds: number;
  readonly durationSeconds: number;
}

/** What runs where, the ScaledObject the sync hook rendered, and the commands to try. */
export function formatBanner(input: BannerInput): string[] {
  const so = input.scaledObject;
  return [
    ...formatBannerHead(input),
    '',
    `The sync hook rendered ScaledObject ${so.namespace}/${so.name} from ${input.inferenceSetFile}:`,
    `  trigger external -> ${so.scalerAddress}, metric ${so.metricName}, threshold ${number(so.threshold)}, replicas ${so.min}..${so.max}`,
    '',
    'Try, from this folder in another terminal:',
    `  $ ${input.commands.curl}`,
    `  $ ${input.commands.query}`,
    '',
    `Polling the scaler as KEDA does: GetMetricSpec once, then GetMetrics and IsActive every ${number(input.pollSeconds)} s.`,
  ];
}

/** What runs where: the banner's first lines, in both modes. */
export function formatBannerHead(input: Omit<BannerInput, 'scaledObject'>): string[] {
  const until = input.durationSeconds > 0 ? `for ${input.durationSeconds} s (Ctrl-C stops it sooner)` : 'until Ctrl-C';
  return [
    `keda-kaito-scaler dev: the whole system on this machine, ${until}`,
    `  replicas      ${input.replicas.length} simulated vLLM server${input.replicas.length === 1 ? '' : 's'}, load ${input.pattern}: ${input.replicas.map((address) => `http://${address}/metrics`).join(' ')}`,
    `  scaler        gRPC 127.0.0.1:${input.grpcPort} (mTLS), http://127.0.0.1:${input.httpPort}/metrics, targets ${input.targetsFile}`,
    `  hooks         http://127.0.0.1:${input.hooksPort} (POST /sync, /customize, /certificates/sync)`,
    `  certificates  ${input.tlsDir}: ${input.certificates}`,
  ];
}
