import { readFile } from 'node:fs/promises';
import { createKedaClient, queryScaler, type Answer, type QueryAnswers } from '../scaler/client.js';
import { join } from 'node:path';
import type { CommandModule } from './command.js';
import { defineCommand } from '../schemas/flags.js';
import { fail, ok, type Result } from '../lib/result.js';
import { queryOptionsSchema, type QueryOptions } from '../schemas/query-options.js';
import { TLS_FILES } from '../scaler/tls.js';

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

export interface HintContext {
  readonly address: string;
  readonly tlsDir: string;
  readonly serverName?: string | undefined;
}

/**
 * What to check when the calls could not reach the scaler: grpc-js reports every such
 * failure as UNAVAILABLE (or a deadline), with the cause only in the details.
 */
export function connectionHint(answers: QueryAnswers, context: HintContext): string | undefined {
  const failed = [answers.getMetricSpec, answers.getMetrics, answers.isActive].find(
    (result): result is Extract<Answer<unknown>, { ok: false }> =>
      !result.ok && (result.problem.reason === 'UNAVAILABLE' || result.problem.reason === 'DEADLINE_EXCEEDED'),
  );
  if (!failed) return undefined;
  const name = context.serverName ?? context.address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const clientSet = `is --tls-dir ${context.tlsDir} the client set (the client/ folder of keda-kaito-scaler certs, or the Secret keda-kaito-scaler-client-certs) made with the scaler's CA?`;
  if (/ALTNAME|altnames/.test(failed.problem.message)) {
    return `hint: the server certificate does not name ${name}: pass --server-name with one of the names listed above (e.g. keda-kaito-scaler-svc.keda.svc through kubectl port-forward)`;
  }
  if (/certificate|CERT_|unable to (get|verify)/i.test(failed.problem.message))
    return `hint: the server certificate is not signed by a CA in ${context.tlsDir}/ca.crt: ${clientSet}`;
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(failed.problem.message) ||
    failed.problem.reason === 'DEADLINE_EXCEEDED'
  ) {
    return `hint: nothing answered at ${context.address}: is the scaler running and listening there (keda-kaito-scaler scaler --grpc-port, or kubectl port-forward to the Service)?`;
  }
  return `hint: the scaler closed the connection during the TLS handshake: ${clientSet} The scaler logs why it refused a handshake (warn "TLS handshake refused").`;
}

const fields = (object: object): string =>
  Object.entries(object)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');

export function formatAnswers(answers: QueryAnswers): string {
  const line = <T>(method: string, answer: Answer<T>, describe: (response: T) => string[]) =>
    answer.ok
      ? describe(answer.value).map((text) => `${method.padEnd(14)} ${text}`)
      : [`${method.padEnd(14)} ${answer.problem.reason}: ${answer.problem.message}`];
  return [
    ...line('GetMetricSpec', answers.getMetricSpec, (r) =>
      r.metricSpecs.length === 0 ? ['(no metric specs)'] : r.metricSpecs.map(fields),
    ),
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
  const ref = { name: options.name, namespace: options.namespace, scalerMetadata: metadata.value };
  const client = createKedaClient({
    address: options.address,
    ca,
    cert,
    key,
    serverName: options.serverName,
    ref,
    timeoutMs: options.timeoutMs,
  });
  try {
    const answers = await queryScaler(client);
    io.out(options.output === 'json' ? JSON.stringify(answers, null, 2) : formatAnswers(answers));
    const hint = connectionHint(answers, options);
    if (hint) io.err(hint);
    return answers.getMetricSpec.ok && answers.getMetrics.ok && answers.isActive.ok ? 0 : 1;
  } finally {
    client.close();
  }
}

/**
 * grpc-js sends the address's host as the TLS server name, and Node warns (DEP0123) when that
 * is an IP address; the certificate is still checked against the IP address, so the warning
 * tells a user of `--address 127.0.0.1:10450` nothing. This one warning is dropped; others pass.
 */
function dropIpServerNameWarning(): void {
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const [typeOrOptions, code] = rest;
    const given = typeof typeOrOptions === 'object' && typeOrOptions !== null ? (typeOrOptions as { code?: string }).code : code;
    if (given === 'DEP0123') return;
    (emit as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

const query: CommandModule<QueryOptions> = {
  command,
  run: (options) => {
    dropIpServerNameWarning();
    return runQuery(options, {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    });
  },
};

export default query;
