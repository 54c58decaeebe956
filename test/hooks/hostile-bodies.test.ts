import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createApp } from '../../hooks/app.js';
import { MAX_BODY_DEPTH, tooDeepAt } from '../../hooks/body-checks.js';
import { createLogger } from '../../lib/log.js';
import { createAuthority } from '../scaler/pki.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { autoscaled, inferenceSet } from './builders.js';
import { service, syncRequest } from './certificates-requests.js';

/** The hooks app with its default options, its registry and every log line it writes. */
function appWithMetrics(overrides: Record<string, unknown> = {}) {
  const defaults = hooksCommand.validate({});
  if (!defaults.ok) throw new Error(defaults.problem.message);
  const registry = new Registry();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = createApp({
    config: { ...defaults.value, ...overrides },
    log: createLogger({ level: 'debug', format: 'json', destination }),
    registry,
  });
  const counted = async () =>
    ((await registry.getSingleMetric('kks_hook_requests_total')?.get())?.values ?? []).map(({ labels, value }) => ({ ...labels, value }));
  return { app, counted, lines };
}

/** JSON.stringify itself recurses: deep bodies are written as text. */
const deepText = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe('tooDeepAt', () => {
  it.each<[string, string, number, number | undefined]>([
    ['flat', '{"a":1}', 1, undefined],
    ['exactly the limit', '[[1]]', 2, undefined],
    ['one level over', '[[[1]]]', 2, 2],
    ['objects and arrays alike', '{"a":{"b":[1]}}', 2, 10],
    ['brackets inside strings do not count', '{"a":"[[[[{{{{"}', 1, undefined],
    ['an escaped quote does not end a string', '{"a":"\\"[[[["}', 1, undefined],
    ['an escaped backslash does', '["\\\\",[[1]]]', 2, 7],
    ['siblings do not add up', '[[1],[2],[3]]', 2, undefined],
    ['unbalanced text is left to the parser', ']]]][[', 1, undefined],
  ])('%s', (_name, text, max, expected) => {
    expect(tooDeepAt(Buffer.from(text), max)).toBe(expected);
  });
});

describe('hook bodies nested too deeply', () => {
  const deepName = (levels: number) =>
    `{"object":{"apiVersion":"kaito.sh/v1beta1","kind":"InferenceSet","metadata":{"name":${deepText(levels)},"namespace":"default"}},"attachments":{},"related":{}}`;
  const deepAnnotation = (levels: number) =>
    JSON.stringify({ object: inferenceSet(autoscaled({ 'x/y': 'PLACEHOLDER' })), attachments: {}, related: {} }).replace(
      '"PLACEHOLDER"',
      deepText(levels),
    );
  const deepLimit = (levels: number) =>
    JSON.stringify({
      object: inferenceSet(autoscaled({ 'scaledobject.kaito.sh/max-replicas': undefined }), { nodeCountLimit: 'PLACEHOLDER' }),
      attachments: {},
      related: {},
    }).replace('"PLACEHOLDER"', deepText(levels));
  const deepParent = (levels: number) =>
    `{"parent":{"apiVersion":"kaito.sh/v1beta1","kind":"InferenceSet","metadata":{"name":${deepText(levels)},"namespace":"default"}}}`;
  const deepService = (levels: number) =>
    JSON.stringify(syncRequest([], { ...service(), metadata: { name: 'PLACEHOLDER', namespace: 'keda' } })).replace(
      '"PLACEHOLDER"',
      deepText(levels),
    );

  it.each<[string, string, string, (levels: number) => string]>([
    ['/sync', 'metadata.name', 'sync', deepName],
    ['/sync', 'an annotation value', 'sync', deepAnnotation],
    ['/sync', 'spec.nodeCountLimit', 'sync', deepLimit],
    ['/customize', 'metadata.name', 'customize', deepParent],
    ['/certificates/sync', 'metadata.name', 'certificates', deepService],
  ])('%s, 5,000 levels in %s -> 400 BodyTooDeep, counted', async (path, _where, hook, body) => {
    const { app, counted } = appWithMetrics();
    const response = await request(app).post(path).set('content-type', 'application/json').send(body(5000));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ reason: 'BodyTooDeep', message: expect.stringContaining(`more than ${MAX_BODY_DEPTH} levels deep`) });
    expect(await counted()).toContainEqual({ hook, outcome: 'bad_request', value: 1 });
  });

  it('a body nested as deep as allowed still gets an answer from the hook', async () => {
    const { app } = appWithMetrics();
    // 2 levels of the request around metadata.name; the name itself is refused by the schema.
    const response = await request(app)
      .post('/sync')
      .set('content-type', 'application/json')
      .send(deepName(MAX_BODY_DEPTH - 3));
    expect(response.status).toBe(400);
    expect(response.body.reason).toBe('InvalidRequest');
  });
});

describe('bodies refused before the hook reads them are counted', () => {
  it.each<[string, string, string | Buffer, number, string, string]>([
    ['not JSON', '/sync', '{"object":', 400, 'InvalidJSON', 'bad_request'],
    ['too large', '/customize', `{"parent":"${'x'.repeat(4096)}"}`, 413, 'BodyTooLarge', 'too_large'],
    ['too deep', '/certificates/sync', deepText(200), 400, 'BodyTooDeep', 'bad_request'],
  ])('%s on %s', async (_name, path, body, status, reason, outcome) => {
    const { app, counted } = appWithMetrics({ maxBodyBytes: 1024 });
    const response = await request(app).post(path).set('content-type', 'application/json').send(body);
    expect(response.status).toBe(status);
    expect(response.body.reason).toBe(reason);
    const hook = { '/sync': 'sync', '/customize': 'customize', '/certificates/sync': 'certificates' }[path];
    expect(await counted()).toEqual([{ hook, outcome, value: 1 }]);
  });
});

describe('untrusted values in logs', () => {
  it('a 10 MB metadata.name is refused, and logged cut with its length', async () => {
    const { app, lines } = appWithMetrics();
    const base = inferenceSet(autoscaled());
    const object = { ...base, metadata: { ...base.metadata, name: 'n'.repeat(10_000_000) } };
    const response = await request(app).post('/sync').send({ object, attachments: {}, related: {} });
    expect(response.status).toBe(400);
    expect(response.text.length).toBeLessThan(1000);
    const refusal = lines.find((line) => line.includes('hook rejected the request'));
    expect(refusal).toContain('(10000000 characters)');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(2000);
  });
});

describe('the certificates hook and what anyone can post to it', () => {
  const caPem = createAuthority().certificate;
  const caSecret = (crt: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'keda-kaito-scaler-ca', namespace: 'keda' },
    type: 'Opaque',
    data: { 'ca.crt': Buffer.from(crt).toString('base64'), 'ca.key': '' },
  });

  it.each<[string, string, RegExp]>([
    [
      'a ca.crt of 15,000 CAs (9 MB)',
      `${caPem.trim()}\n`.repeat(15_000),
      /^Secret keda\/keda-kaito-scaler-ca ca.crt has \d+ bytes; at most 262144 are read$/,
    ],
    [
      'a ca.crt of 33 CAs',
      `${caPem.trim()}\n`.repeat(33),
      /^Secret keda\/keda-kaito-scaler-ca ca.crt holds 33 certificates; at most 32 are read$/,
    ],
  ])('%s is refused with 422 BundleTooLarge, and a short answer', async (_name, crt, message) => {
    const { app } = appWithMetrics();
    const response = await request(app)
      .post('/certificates/sync')
      .send(syncRequest([caSecret(crt)]));
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ reason: 'BundleTooLarge', message: expect.stringMatching(message) });
    expect(response.text.length).toBeLessThan(1000);
  });

  it('keeps the expiry series of the 8 namespaces synced last, however many are named', async () => {
    const { app } = appWithMetrics();
    for (let index = 0; index < 12; index += 1) {
      const response = await request(app)
        .post('/certificates/sync')
        .send(syncRequest([], service('keda-kaito-scaler-svc', `ns-${index}`)));
      expect(response.status).toBe(200);
    }
    const metrics = await request(app).get('/metrics');
    const namespaces = new Set(
      [...metrics.text.matchAll(/^kks_certificate_expiry_timestamp_seconds\{namespace="([^"]+)"/gm)].map((match) => match[1]),
    );
    expect([...namespaces].sort()).toEqual(['ns-10', 'ns-11', 'ns-4', 'ns-5', 'ns-6', 'ns-7', 'ns-8', 'ns-9']);
    const series = [...metrics.text.matchAll(/^kks_certificate_expiry_timestamp_seconds\{/gm)];
    expect(series).toHaveLength(8 * 3);
  });
});
