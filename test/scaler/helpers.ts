import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { credentials as grpcCredentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ExternalScalerClient,
  type GetMetricSpecResponse,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from '../../scaler/generated/externalscaler.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { parseTriggerMetadata, type TriggerConfig } from '../../scaler/metadata.js';
import type { ScalerOptions } from '../../schemas/scaler-options.js';

/** A scaler under test: loopback, ports the OS picks, JSON logs, small caps; `tlsDir` and discovery from the test. */
export function testScalerOptions(overrides: Partial<ScalerOptions> & Pick<ScalerOptions, 'tlsDir'>): ScalerOptions {
  return {
    grpcPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    scrapeConcurrency: 16,
    maxBodyBytes: 1 << 20,
    defaultDeadlineMs: 3000,
    shutdownGraceMs: 2000,
    sampleInterval: 1,
    maxSampledKeys: 1000,
    recordMaxBytes: 1 << 20,
    recordFiles: 1,
    logLevel: 'info',
    logFormat: 'json',
    ...overrides,
  };
}

/** Trigger metadata for InferenceSet default/`name`, `vllm:num_requests_waiting`, threshold 10, and `extra`. */
export function triggerMetadata(name = 'phi-4', extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { inferenceSetName: name, inferenceSetNamespace: 'default', metricName: 'vllm:num_requests_waiting', threshold: '10', ...extra };
}

/** `triggerMetadata()` with `overrides`, parsed (defaults filled in); throws on metadata that breaks a rule. */
export function triggerConfig(overrides: Readonly<Record<string, string>> = {}): TriggerConfig {
  const parsed = parseTriggerMetadata(triggerMetadata('phi-4', overrides));
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
}

export interface CapturedLog {
  readonly log: Logger;
  /** Every line logged so far, parsed. */
  readonly lines: ReadonlyArray<Record<string, unknown>>;
  /** Every line's message so far. */
  messages(): string[];
}

/** A JSON logger at debug level whose lines the test can read back. */
export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const log = createLogger({ level: 'debug', format: 'json', destination });
  return { log, lines, messages: () => lines.map((line) => String(line['msg'])) };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `kks-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what` in the message. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ClientIdentity {
  readonly ca: string;
  readonly certificate?: string;
  readonly privateKey?: string;
}

/** A gRPC answer as a value: the response, or the status code name and details. */
export type Outcome<T> = { ok: true; response: T } | { ok: false; code: string; details: string };

export interface TestClient {
  getMetricSpec(ref: ScaledObjectRef, timeoutMs?: number): Promise<Outcome<GetMetricSpecResponse>>;
  getMetrics(ref: ScaledObjectRef, timeoutMs?: number, metricName?: string): Promise<Outcome<GetMetricsResponse>>;
  isActive(ref: ScaledObjectRef, timeoutMs?: number): Promise<Outcome<IsActiveResponse>>;
  streamIsActive(ref: ScaledObjectRef): Promise<Outcome<IsActiveResponse[]>>;
  close(): void;
}

/** A KEDA-like client of the scaler at 127.0.0.1:port, verifying the server as `localhost`. */
export function scalerClient(port: number, identity: ClientIdentity): TestClient {
  const client = new ExternalScalerClient(
    `127.0.0.1:${port}`,
    grpcCredentials.createSsl(
      Buffer.from(identity.ca),
      identity.privateKey ? Buffer.from(identity.privateKey) : null,
      identity.certificate ? Buffer.from(identity.certificate) : null,
    ),
    { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  );
  const settle =
    <T>(resolve: (outcome: Outcome<T>) => void) =>
    (error: ServiceError | null, response?: T) =>
      resolve(
        error || response === undefined
          ? { ok: false, code: status[error?.code ?? status.UNKNOWN] ?? '?', details: error?.details ?? '' }
          : { ok: true, response },
      );
  const options = (timeoutMs = 5000) => ({ deadline: Date.now() + timeoutMs });
  return {
    getMetricSpec: (ref, timeoutMs) =>
      new Promise((resolve) => client.getMetricSpec(ref, new Metadata(), options(timeoutMs), settle(resolve))),
    getMetrics: (ref, timeoutMs, metricName = 'whatever-keda-sends') =>
      new Promise((resolve) =>
        client.getMetrics({ scaledObjectRef: ref, metricName }, new Metadata(), options(timeoutMs), settle(resolve)),
      ),
    isActive: (ref, timeoutMs) => new Promise((resolve) => client.isActive(ref, new Metadata(), options(timeoutMs), settle(resolve))),
    streamIsActive: (ref) =>
      new Promise((resolve) => {
        const received: IsActiveResponse[] = [];
        const stream = client.streamIsActive(ref, new Metadata(), options());
        stream.on('data', (response: IsActiveResponse) => received.push(response));
        stream.on('error', (error: ServiceError) => resolve({ ok: false, code: status[error.code] ?? '?', details: error.details }));
        stream.on('end', () => resolve({ ok: true, response: received }));
      }),
    close: () => client.close(),
  };
}
