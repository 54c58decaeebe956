import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials as grpcCredentials, Metadata, status, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import request from 'supertest';
import { realParts } from '../../scaler/parts.js';
import { startScaler, type RunningScaler } from '../../scaler/start.js';
import { ExternalScalerClient, type ScaledObjectRef } from '../../scaler/generated/externalscaler.js';
import { captureLog, eventually, tempDir, testScalerOptions, triggerMetadata } from '../scaler/helpers.js';
import { createAuthority, writeTlsDir, type Pem } from '../scaler/pki.js';
import { FAMILY, startHostile, type HostileTarget } from '../support/hostile-targets.js';
import { trapUnhandledRejections } from './traps.js';

/**
 * The scaler's gRPC side against callers that are not KEDA on a good day: no or the wrong
 * client certificate, metadata that is missing, empty, huge or nonsense, a thousand calls at
 * once, callers that give up mid-call or set no deadline. Only the designed status codes
 * come back, each with a message; no call hangs; the process keeps serving.
 */

jest.setTimeout(60_000);

const YEAR_MS = 365 * 24 * 3600 * 1000;
const DEFAULT_DEADLINE_MS = 1500;
/** The codes a caller can get, by design (docs/scaler.md and docs/reliability.md). */
const DESIGNED = ['OK', 'INVALID_ARGUMENT', 'PERMISSION_DENIED', 'NOT_FOUND', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED'];

let dir: Awaited<ReturnType<typeof tempDir>>;
let scaler: RunningScaler;
let replicas: Record<'a' | 'b' | 'slow' | 'hanging', HostileTarget>;

/** A CA made two years ago (so that it can have issued a leaf that has expired since), and its leaves. */
const authority = createAuthority(new Date(Date.now() - 2 * YEAR_MS));
const pki = {
  ca: authority.certificate,
  server: authority.serverLeaf(),
  client: authority.clientLeaf(),
  expiredClient: authority.clientLeaf(new Date(Date.now() - 1.5 * YEAR_MS)),
  foreignClient: createAuthority().clientLeaf(),
  serverAsClient: authority.serverLeaf(),
};

type Raw = InstanceType<typeof ExternalScalerClient>;
const clients: Raw[] = [];
function client(identity: Pem | null = pki.client): Raw {
  const made = new ExternalScalerClient(
    `127.0.0.1:${scaler.grpcPort}`,
    grpcCredentials.createSsl(
      Buffer.from(pki.ca),
      identity ? Buffer.from(identity.privateKey) : null,
      identity ? Buffer.from(identity.certificate) : null,
    ),
    { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  );
  clients.push(made);
  return made;
}

type Method = 'getMetricSpec' | 'getMetrics' | 'isActive';
interface Answer {
  readonly code: string;
  readonly details: string;
  readonly value?: unknown;
}

/** A call's callback that resolves with the code name (and the answer). */
const answered =
  (resolve: (answer: Answer) => void) =>
  (error: ServiceError | null, response?: unknown): void =>
    resolve(
      error ? { code: status[error.code] ?? String(error.code), details: error.details } : { code: 'OK', details: '', value: response },
    );

/** One call; `deadlineMs` null sets none. Resolves with the code name (and the answer). */
function call(
  on: Raw,
  method: Method,
  ref: ScaledObjectRef | undefined,
  deadlineMs: number | null = 5000,
  onCall?: (call: ClientUnaryCall) => void,
): Promise<Answer> {
  return new Promise((resolve) => {
    const options = deadlineMs === null ? {} : { deadline: Date.now() + deadlineMs };
    const done = answered(resolve);
    const handle: ClientUnaryCall =
      method === 'getMetrics'
        ? on.getMetrics({ scaledObjectRef: ref, metricName: 's0-whatever' }, new Metadata(), options, done)
        : method === 'isActive'
          ? on.isActive(ref as ScaledObjectRef, new Metadata(), options, done)
          : on.getMetricSpec(ref as ScaledObjectRef, new Metadata(), options, done);
    onCall?.(handle);
  });
}

const ref = (name = 'phi-4', extra: Record<string, string> = {}, namespace = 'default'): ScaledObjectRef => ({
  name: 'so',
  namespace,
  scalerMetadata: triggerMetadata(name, extra),
});

const metrics = async () => (await request(`http://127.0.0.1:${scaler.httpPort}`).get('/metrics')).text;
const idle = async () => {
  const text = await metrics();
  return text.includes('kks_scrape_slots_in_use 0') && text.includes('kks_scrape_slots_waiting 0');
};

beforeAll(async () => {
  dir = await tempDir('grpc-callers');
  replicas = {
    a: await startHostile('healthy', { maxBodyBytes: 1 << 20, value: 3 }),
    b: await startHostile('healthy', { maxBodyBytes: 1 << 20, value: 5 }),
    slow: await startHostile('healthy', { maxBodyBytes: 1 << 20, value: 1, delayMs: 1000 }),
    hanging: await startHostile('silent', { maxBodyBytes: 1 << 20 }),
  };
  await writeFile(
    join(dir.path, 'targets.yaml'),
    [
      'inferenceSets:',
      `  - {namespace: default, name: phi-4, workspaces: ["${replicas.a.address}", "${replicas.b.address}"]}`,
      `  - {namespace: default, name: slow, workspaces: ["${replicas.slow.address}"]}`,
      `  - {namespace: default, name: hanging, workspaces: ["${replicas.hanging.address}", "${replicas.a.address}"]}`,
      '',
    ].join('\n'),
  );
  const tls = join(dir.path, 'tls');
  await writeTlsDir(tls, [authority], pki.server);
  const started = await startScaler(
    testScalerOptions({
      tlsDir: tls,
      targets: join(dir.path, 'targets.yaml'),
      scrapeConcurrency: 64,
      defaultDeadlineMs: DEFAULT_DEADLINE_MS,
      shutdownGraceMs: 1000,
    }),
    captureLog().log,
    realParts,
  );
  if (!started.ok) throw new Error(started.problem.message);
  scaler = started.value;
});

afterAll(async () => {
  for (const made of clients) made.close();
  await scaler?.stop();
  await Promise.all(Object.values(replicas ?? {}).map((replica) => replica.close()));
  await dir?.remove();
});

// Declared after the cleanup above, so that its check runs last.
trapUnhandledRejections();

describe('callers without the right client certificate', () => {
  it.each<[string, Pem | null]>([
    ['no client certificate', null],
    ['a certificate from another CA', pki.foreignClient],
    ['an expired certificate of the right CA', pki.expiredClient],
    ['a server certificate (not for client authentication)', pki.serverAsClient],
  ])('%s: UNAVAILABLE, no replica asked, the next good caller served', async (_name, identity) => {
    const before = replicas.a.requests;
    const refused = await call(client(identity), 'getMetrics', ref());
    expect(refused).toEqual({ code: 'UNAVAILABLE', details: expect.any(String) });
    expect(replicas.a.requests).toBe(before);
    expect(await call(client(), 'getMetrics', ref())).toEqual({
      code: 'OK',
      details: '',
      value: { metricValues: [expect.objectContaining({ metricValueFloat: 8 })] },
    });
  });
});

describe('metadata', () => {
  const keys = [
    'inferenceSetName',
    'inferenceSetNamespace',
    'metricName',
    'threshold',
    'metricProtocol',
    'metricPort',
    'metricPath',
    'scrapeTimeout',
    'aggregation',
  ];
  const MEGABYTE = 'x'.repeat(1_000_000);
  const TEN_THOUSAND_KEYS = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`key-${index}`, `value-${index}`]));
  const value = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'phi-4',
      'default',
      FAMILY,
      '10',
      '0',
      '-1',
      '1e3',
      'NaN',
      'Infinity',
      'http',
      'https',
      'ftp',
      '80',
      '0',
      '65536',
      '/metrics',
      'metrics',
      '3s',
      '0s',
      '61s',
      'sum',
      'avg',
      '../etc',
      'a\u0000b',
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constant(MEGABYTE),
  );
  const scalerMetadata: fc.Arbitrary<Record<string, string>> = fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), value, { maxKeys: 12 }) },
    {
      weight: 3,
      arbitrary: fc.record(Object.fromEntries(keys.map((key) => [key, value])), { requiredKeys: [] }) as fc.Arbitrary<
        Record<string, string>
      >,
    },
    { weight: 1, arbitrary: fc.constant({ ...triggerMetadata(), ...TEN_THOUSAND_KEYS }) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
  const reference = fc.record({
    name: fc.oneof(fc.constant('so'), fc.string({ maxLength: 30 })),
    namespace: fc.oneof(fc.constantFrom('default', 'team-b', ''), fc.string({ maxLength: 30 })),
    scalerMetadata,
  });

  it('any metadata: a designed code, and a message that says what is wrong', async () => {
    const keda = client();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Method>('getMetricSpec', 'getMetrics', 'isActive'), reference, async (method, caller) => {
        const answer = await call(keda, method, caller, 5000);
        expect(DESIGNED).toContain(answer.code);
        if (answer.code !== 'OK') {
          expect(answer.details.length).toBeGreaterThan(10);
          expect(answer.details.length).toBeLessThan(4096);
        }
      }),
      { numRuns: 150 },
    );
  });

  it.each<[string, Method, string, ScaledObjectRef | undefined, RegExp]>([
    ['no scaledObjectRef', 'getMetrics', 'INVALID_ARGUMENT', undefined, /the request has no scaledObjectRef/],
    [
      'no metadata at all',
      'getMetricSpec',
      'INVALID_ARGUMENT',
      { name: 'so', namespace: 'default', scalerMetadata: {} },
      /metadata "inferenceSetName" is required/,
    ],
    ['an empty name', 'getMetrics', 'INVALID_ARGUMENT', ref('', {}), /metadata "inferenceSetName" is "": /],
    [
      'a 1 MB threshold',
      'getMetrics',
      'INVALID_ARGUMENT',
      ref('phi-4', { threshold: MEGABYTE }),
      /^metadata "threshold" is "x{10,}\.\.\.: per-replica target value/,
    ],
    ['a 1 MB unknown key', 'isActive', 'OK', ref('phi-4', { note: MEGABYTE }), /^$/],
    [
      '10,000 unknown keys',
      'getMetrics',
      'OK',
      { name: 'so', namespace: 'default', scalerMetadata: { ...triggerMetadata(), ...TEN_THOUSAND_KEYS } },
      /^$/,
    ],
    ['a request over 1 MiB', 'getMetricSpec', 'RESOURCE_EXHAUSTED', ref('phi-4', { a: MEGABYTE, b: MEGABYTE }), /./],
    [
      'a caller in another namespace',
      'isActive',
      'PERMISSION_DENIED',
      ref('phi-4', {}, 'team-z'),
      /ScaledObjects in namespace "team-z" may not read InferenceSet default\/phi-4/,
    ],
    ['an InferenceSet that does not exist', 'getMetrics', 'NOT_FOUND', ref('nope'), /InferenceSet default\/nope does not exist/],
  ])('%s: %s answers %s', async (_name, method, code, caller, details) => {
    const answer = await call(client(), method, caller);
    expect(answer).toEqual(expect.objectContaining({ code, details: expect.stringMatching(details) }));
  });

  // HTTP/2 refuses oversized header blocks before any handler runs: the caller gets the
  // transport's answer (INTERNAL for a reset stream, RESOURCE_EXHAUSTED), the process serves on.
  it.each<[string, (metadata: Metadata) => void, RegExp]>([
    ['a 1 MB header', (headers) => headers.set('x-note', 'x'.repeat(1_000_000)), /^(INTERNAL|RESOURCE_EXHAUSTED)$/],
    [
      '10,000 headers',
      (headers) => Array.from({ length: 10_000 }, (_, index) => headers.set(`x-key-${index}`, 'v')),
      /^(INTERNAL|RESOURCE_EXHAUSTED)$/,
    ],
    [
      'binary, empty and malformed (grpc-timeout) headers',
      (headers) => {
        headers.set('x-bin', Buffer.from([0, 255, 10, 13]));
        headers.set('grpc-timeout', 'nonsense');
        headers.set('x-a', '');
      },
      /^OK$/,
    ],
  ])('gRPC request headers: %s, and serving goes on', async (_name, fill, code) => {
    const raw = client();
    const headers = new Metadata();
    fill(headers);
    const answer = await new Promise<Answer>((resolve) =>
      raw.getMetrics({ scaledObjectRef: ref(), metricName: 'x' }, headers, { deadline: Date.now() + 5000 }, answered(resolve)),
    );
    expect(answer.code).toMatch(code);
    expect(await call(client(), 'getMetrics', ref())).toEqual(expect.objectContaining({ code: 'OK' }));
  });

  it('a request body that is not a protobuf message: INTERNAL from the transport, and serving goes on', async () => {
    const raw = client();
    const answer = await new Promise<Answer>((resolve) =>
      raw.makeUnaryRequest(
        '/externalscaler.ExternalScaler/GetMetrics',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x99]),
        new Metadata(),
        { deadline: Date.now() + 5000 },
        answered(resolve),
      ),
    );
    expect(answer).toEqual({ code: 'INTERNAL', details: expect.stringMatching(/deserializ/i) });
    expect(await call(raw, 'getMetrics', ref())).toEqual(expect.objectContaining({ code: 'OK' }));
  });

  it('an unknown method: UNIMPLEMENTED', async () => {
    const raw = client();
    const answer = await new Promise<Answer>((resolve) =>
      raw.makeUnaryRequest(
        '/externalscaler.ExternalScaler/Nope',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: Date.now() + 5000 },
        answered(resolve),
      ),
    );
    expect(answer.code).toBe('UNIMPLEMENTED');
  });
});

describe('load and impatience', () => {
  it('1,000 concurrent calls: every one answered, every answer right', async () => {
    const channels = [client(), client(), client(), client()];
    const before = replicas.a.requests;
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        call(channels[index % channels.length] as Raw, index % 2 === 0 ? 'getMetrics' : 'isActive', ref(), 20_000),
      ),
    );
    const wrong = answers.filter((answer, index) =>
      index % 2 === 0
        ? !(
            answer.code === 'OK' &&
            (answer.value as { metricValues: Array<{ metricValueFloat: number }> }).metricValues[0]?.metricValueFloat === 8
          )
        : !(answer.code === 'OK' && (answer.value as { result: boolean }).result === true),
    );
    expect(wrong).toEqual([]);
    // Concurrent calls share scrape rounds: far fewer requests than calls reached the replica.
    expect(replicas.a.requests - before).toBeLessThan(1000);
    await eventually('the scrape slots to be free', idle);
  });

  it('callers that cancel mid-call: the rounds finish or are abandoned, nothing is held, later calls are answered', async () => {
    const keda = client();
    const before = replicas.slow.requests;
    const handles: ClientUnaryCall[] = [];
    const calls = Array.from({ length: 50 }, (_, index) =>
      call(
        keda,
        index % 2 === 0 ? 'getMetrics' : 'isActive',
        ref(index % 3 === 0 ? 'hanging' : 'slow', { scrapeTimeout: '1s' }),
        10_000,
        (handle) => handles.push(handle),
      ),
    );
    // Cancelled once their scrapes are under way (the slow replica answers after a second), however busy the machine.
    await eventually('the slow replica to be asked', () => replicas.slow.requests > before);
    for (const [index, handle] of handles.entries()) setTimeout(() => handle.cancel(), (index % 5) * 20);
    const cancelled = await Promise.all(calls);
    expect(new Set(cancelled.map((answer) => answer.code))).toEqual(new Set(['CANCELLED']));
    await eventually('the scrape slots to be free', idle);
    await eventually('the hanging replica to have no open connection', () => replicas.hanging.open === 0);
    expect(await call(keda, 'getMetrics', ref('slow'))).toEqual({
      code: 'OK',
      details: '',
      value: { metricValues: [expect.objectContaining({ metricValueFloat: 1 })] },
    });
    expect(await call(keda, 'getMetrics', ref())).toEqual(expect.objectContaining({ code: 'OK' }));
  });

  it('a call without a deadline gets the default one, even when a replica never answers', async () => {
    const started = Date.now();
    const answer = await call(client(), 'getMetrics', ref('hanging', { scrapeTimeout: '60s' }), null);
    expect(Date.now() - started).toBeLessThan(DEFAULT_DEADLINE_MS + 1000);
    // a = 3 answered, the hanging replica counts as at target: 3 + 10.
    expect(answer).toEqual({ code: 'OK', details: '', value: { metricValues: [expect.objectContaining({ metricValueFloat: 13 })] } });
  });

  it('a deadline too short to do anything: DEADLINE_EXCEEDED at the caller, and serving goes on', async () => {
    const keda = client();
    expect(await call(keda, 'getMetrics', ref('slow'), 1)).toEqual(expect.objectContaining({ code: 'DEADLINE_EXCEEDED' }));
    expect(await call(keda, 'getMetrics', ref('slow'))).toEqual(expect.objectContaining({ code: 'OK' }));
    await eventually('the scrape slots to be free', idle);
  });

  it('is ready throughout, and counted every answer by code', async () => {
    expect(scaler.notReadyReasons()).toEqual([]);
    const text = await metrics();
    expect(text).toMatch(/kks_rpc_requests_total\{method="GetMetrics",code="OK"\} \d{3,}/);
    expect(text).toMatch(/kks_rpc_requests_total\{method="GetMetrics",code="INVALID_ARGUMENT"\} [1-9]/);
    expect(text).not.toMatch(/code="INTERNAL"/);
  });
});
