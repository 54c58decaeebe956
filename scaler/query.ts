import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { CommandModule } from '../lib/command.js';
import { defineCommand } from '../lib/flags.js';
import { fail, ok, type Result } from '../lib/result.js';
import { queryOptionsSchema, type QueryOptions } from '../schemas/query-options.js';
import {
  ExternalScalerClient,
  type GetMetricSpecResponse,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from './generated/externalscaler.js';
import { TLS_FILES } from './tls.js';

export const command = defineCommand<QueryOptions>(
  'query',
  'call the scaler the way KEDA does (GetMetricSpec, GetMetrics, IsActive) and print the answers',
  queryOptionsSchema,
);

/** `key=value` flags into trigger metadata; a key given twice is a mistake, not an override. */
export function parseMetadata(entries: readonly string[]): Result<Record<string, string>> {
  const metadata: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    if (at <= 0 || key === '') return fail('InvalidOption', `--metadata ${JSON.stringify(entry)} is not key=value`);
    if (Object.hasOwn(metadata, key)) return fail('InvalidOption', `--metadata ${key} is given twice: give each key once`);
    metadata[key] = entry.slice(at + 1);
  }
  return ok(metadata);
}

type Answer<T> = { readonly ok: true; readonly response: T } | { readonly ok: false; readonly code: string; readonly message: string };

export interface QueryAnswers {
  readonly getMetricSpec: Answer<GetMetricSpecResponse>;
  readonly getMetrics: Answer<GetMetricsResponse>;
  readonly isActive: Answer<IsActiveResponse>;
}

type Callback<Res> = (error: ServiceError | null, response?: Res) => void;

function answer<Res>(invoke: (callback: Callback<Res>) => void): Promise<Answer<Res>> {
  return new Promise((resolve) => {
    invoke((error, response) => {
      if (error || !response) resolve({ ok: false, code: status[error?.code ?? status.UNKNOWN] ?? String(error?.code), message: error?.details ?? 'no answer' });
      else resolve({ ok: true, response });
    });
  });
}

/**
 * A client of the scaler with a KEDA-like identity (PEM CA bundle, client certificate and key).
 * `serverName` is the name to verify in the server certificate when the address is not one of
 * its names (a port-forward, or an IP address).
 */
export function connectScaler(address: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }, serverName?: string): ExternalScalerClient {
  return new ExternalScalerClient(
    address,
    credentials.createSsl(tls.ca, tls.key, tls.cert),
    serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {},
  );
}

/** GetMetricSpec, then GetMetrics with the spec's name (as KEDA does), then IsActive. */
export async function queryScaler(client: ExternalScalerClient, ref: ScaledObjectRef, timeoutMs: number): Promise<QueryAnswers> {
  const options = () => ({ deadline: Date.now() + timeoutMs });
  const getMetricSpec = await answer<GetMetricSpecResponse>((callback) => client.getMetricSpec(ref, new Metadata(), options(), callback));
  const metricName = getMetricSpec.ok ? (getMetricSpec.response.metricSpecs[0]?.metricName ?? '') : '';
  const getMetrics = await answer<GetMetricsResponse>((callback) =>
    client.getMetrics({ scaledObjectRef: ref, metricName }, new Metadata(), options(), callback),
  );
  const isActive = await answer<IsActiveResponse>((callback) => client.isActive(ref, new Metadata(), options(), callback));
  return { getMetricSpec, getMetrics, isActive };
}

const fields = (object: object): string =>
  Object.entries(object)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');

export function formatAnswers(answers: QueryAnswers): string {
  const line = <T>(method: string, answer: Answer<T>, describe: (response: T) => string[]) =>
    answer.ok ? describe(answer.response).map((text) => `${method.padEnd(14)} ${text}`) : [`${method.padEnd(14)} ${answer.code}: ${answer.message}`];
  return [
    ...line('GetMetricSpec', answers.getMetricSpec, (r) => (r.metricSpecs.length === 0 ? ['(no metric specs)'] : r.metricSpecs.map(fields))),
    ...line('GetMetrics', answers.getMetrics, (r) => (r.metricValues.length === 0 ? ['(no metric values)'] : r.metricValues.map(fields))),
    ...line('IsActive', answers.isActive, (r) => [fields(r)]),
  ].join('\n');
}

export interface QueryIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the query; the exit code is 0 when all three calls succeeded, 1 otherwise. */
export async function runQuery(options: QueryOptions, io: QueryIo): Promise<number> {
  const metadata = parseMetadata(options.metadata);
  if (!metadata.ok) {
    io.err(`keda-kaito-scaler query: ${metadata.problem.message}`);
    return 2;
  }
  let files: Buffer[];
  try {
    files = await Promise.all([TLS_FILES.ca, TLS_FILES.cert, TLS_FILES.key].map((name) => readFile(join(options.tlsDir, name))));
  } catch (error) {
    io.err(`keda-kaito-scaler query: cannot read the client certificate from --tls-dir ${options.tlsDir}: ${(error as Error).message}`);
    return 1;
  }
  const [ca, cert, key] = files as [Buffer, Buffer, Buffer];
  const client = connectScaler(options.address, { ca, cert, key }, options.serverName);
  try {
    const answers = await queryScaler(client, { name: options.name, namespace: options.namespace, scalerMetadata: metadata.value }, options.timeoutMs);
    io.out(options.output === 'json' ? JSON.stringify(answers, null, 2) : formatAnswers(answers));
    return answers.getMetricSpec.ok && answers.getMetrics.ok && answers.isActive.ok ? 0 : 1;
  } finally {
    client.close();
  }
}

const query: CommandModule<QueryOptions> = {
  command,
  run: (options) =>
    runQuery(options, {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    }),
};

export default query;
