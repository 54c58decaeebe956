import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import request from 'supertest';
import { serverNames, systemRandomness } from '../../certs/issue.js';
import { SECRET_NAMES, syncCertificates, type CertificatesResponse } from '../../hooks/certificates.js';
import { violations } from '../certs/set-check.js';
import { answer, filesOf, service, syncRequest } from './certificates-requests.js';
import { hooksApp } from './hooks-app.js';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

const NAMES = serverNames('keda-kaito-scaler-svc', 'keda');

describe('syncCertificates', () => {
  const first = answer(syncRequest([]), T0);

  it('answers the three Secrets and when to call again, nothing else', () => {
    expect(Object.keys(first)).toEqual(['attachments', 'resyncAfterSeconds']);
    expect(
      first.attachments.map((secret) => [secret.metadata.name, secret.metadata.namespace, secret.type, Object.keys(secret.data).sort()]),
    ).toEqual([
      ['keda-kaito-scaler-ca', 'keda', 'Opaque', ['ca.crt', 'ca.key']],
      ['keda-kaito-scaler-server-certs', 'keda', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
      ['keda-kaito-scaler-client-certs', 'keda', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
    ]);
    for (const secret of first.attachments) {
      expect(Object.keys(secret)).toEqual(['apiVersion', 'kind', 'metadata', 'type', 'data']);
      expect(Object.keys(secret.metadata)).toEqual(['name', 'namespace', 'labels']);
      for (const value of Object.values(secret.data)) expect(Buffer.from(value, 'base64').toString('base64')).toBe(value);
    }
    expect(violations(filesOf(first), NAMES, T0)).toEqual([]);
  });

  it('comes back byte-identical when its answer is observed (with what the API server adds)', () => {
    const again = answer(syncRequest(first.attachments), at(1));
    expect(again.attachments).toEqual(first.attachments);
  });

  it('asks to be called at least daily, and exactly when the next renewal is due when allowed longer', () => {
    expect(first.resyncAfterSeconds).toBe(24 * 3600);
    const exact = syncCertificates(syncRequest(first.attachments), { now: T0, random: systemRandomness }, Number.POSITIVE_INFINITY);
    if (!exact.ok) throw new Error(exact.problem.message);
    const leafNotAfter = exact.value.notAfter.server.getTime();
    const leafNotBefore = leafNotAfter - 365 * DAY;
    const due = leafNotAfter - Math.floor((leafNotAfter - leafNotBefore) / 3);
    expect(exact.value.response.resyncAfterSeconds).toBe(Math.ceil((due - T0.getTime()) / 1000));
  });

  it('serves the Service it is called for: names and namespace', () => {
    const other = answer(syncRequest([], service('scaler', 'autoscaling')), T0);
    expect(other.attachments.map((secret) => secret.metadata.namespace)).toEqual(['autoscaling', 'autoscaling', 'autoscaling']);
    expect(violations(filesOf(other), serverNames('scaler', 'autoscaling'), T0)).toEqual([]);
  });

  it('ignores Secrets of other names or namespaces', () => {
    const elsewhere = first.attachments.map((secret) => ({ ...secret, metadata: { ...secret.metadata, namespace: 'default' } }));
    const renamed = first.attachments.map((secret) => ({
      ...secret,
      metadata: { ...secret.metadata, name: `${secret.metadata.name}-old` },
    }));
    const result = answer(syncRequest([...elsewhere, ...renamed]), at(1));
    expect(result.attachments.map((secret) => secret.data['ca.crt'])).not.toContain(first.attachments[0]?.data['ca.crt']);
  });

  it('keeps the type of an existing Secret (Kubernetes cannot change it)', () => {
    const opaque = first.attachments.map((secret) => ({ ...secret, type: 'Opaque' }));
    const result = answer(syncRequest(opaque), at(1));
    expect(result.attachments.map((secret) => secret.type)).toEqual(['Opaque', 'Opaque', 'Opaque']);
    expect(result.attachments.map((secret) => secret.data)).toEqual(first.attachments.map((secret) => secret.data));
  });

  const damaged: Array<[string, (data: Record<string, string>) => Record<string, unknown> | undefined, string]> = [
    ['not canonical base64', (data) => ({ ...data, 'tls.crt': `${data['tls.crt']}=` }), 'server'],
    ['not base64 at all', (data) => ({ ...data, 'tls.key': '%%%' }), 'server'],
    ['binary, not text', (data) => ({ ...data, 'tls.crt': Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }), 'server'],
    ['a number instead of a string', (data) => ({ ...data, 'tls.key': 42 }), 'server'],
    ['no data', () => undefined, 'server'],
  ];
  it.each(damaged)('re-issues a Secret whose data is %s, and answers only valid Secrets', (_name, damage, part) => {
    const secrets = first.attachments.map((secret) =>
      secret.metadata.name === SECRET_NAMES[part as 'server'] ? { ...secret, data: damage(secret.data as Record<string, string>) } : secret,
    );
    const result = answer(syncRequest(secrets), at(1));
    expect(violations(filesOf(result), NAMES, at(1))).toEqual([]);
    expect(result.attachments[0]).toEqual(first.attachments[0]);
    expect(result.attachments[1]?.data['tls.crt']).not.toBe(first.attachments[1]?.data['tls.crt']);
    expect(result.attachments[2]).toEqual(first.attachments[2]);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', 'hello', /request field \(body\) is "hello": must be a Metacontroller DecoratorController sync request/],
    ['null', null, /request field \(body\)/],
    ['no object', { attachments: {} }, /request field object is required: must be the scaler's gRPC Service/],
    [
      'an InferenceSet',
      { object: { apiVersion: 'kaito.sh/v1beta1', kind: 'InferenceSet', metadata: { name: 'a', namespace: 'b' } } },
      /request field (apiVersion|object.apiVersion) is "kaito.sh\/v1beta1": must be v1/,
    ],
    [
      'a Secret',
      { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 'b' } } },
      /object.kind is "Secret": must be Service/,
    ],
    ['no namespace', { object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } } }, /object.metadata.namespace is required/],
    [
      'a name that is no DNS label',
      { object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Scaler_1', namespace: 'keda' } } },
      /object.metadata.name is "Scaler_1": must be a Service name/,
    ],
    [
      'a name too long',
      { object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a'.repeat(64), namespace: 'keda' } } },
      /object.metadata.name is "a{60,}.*": must be a Service name/,
    ],
    ['attachments not a map', { object: service(), attachments: [] }, /request field attachments/],
    [
      'an attachment that is not an object',
      { object: service(), attachments: { 'Secret.v1': { 'keda/x': 'text' } } },
      /request field attachments/,
    ],
  ];
  it.each(bad)('refuses a request with %s: InvalidRequest naming the field', (_name, body, message) => {
    const result = syncCertificates(body, { now: T0, random: systemRandomness });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe('InvalidRequest');
      expect(result.problem.message).toMatch(message);
    }
  });
});

describe('property: whatever is observed, the answer holds only Secrets that parse, and is stable', () => {
  const base = answer(syncRequest([]), T0);
  const foreign = answer(syncRequest([]), T0);
  const texts = [...base.attachments, ...foreign.attachments].flatMap((secret) => Object.values(secret.data));
  const value = fc.oneof(
    fc.constantFrom(...texts),
    fc.constantFrom(...texts).map((text) => text.slice(0, Math.floor(text.length / 2))),
    fc
      .constantFrom(...texts)
      .chain((text) =>
        fc.nat(text.length).map((cut) => Buffer.from(Buffer.from(text, 'base64').toString('utf8').slice(cut)).toString('base64')),
      ),
    fc.string().map((text) => Buffer.from(text).toString('base64')),
    fc.string(),
    fc.constant(undefined),
  );
  const data = fc.record({ 'ca.crt': value, 'ca.key': value, 'tls.crt': value, 'tls.key': value }, { requiredKeys: [] });
  const secret = (name: string) =>
    fc.option(
      data.map((values) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'keda' }, type: 'Opaque', data: values })),
      { nil: undefined },
    );

  it('holds for arbitrary damage at arbitrary times', () => {
    fc.assert(
      fc.property(
        secret(SECRET_NAMES.ca),
        secret(SECRET_NAMES.server),
        secret(SECRET_NAMES.client),
        fc.integer({ min: -2, max: 12 * 365 }),
        (ca, server, client, days) => {
          const now = at(days);
          const observed = [ca, server, client].filter((s): s is NonNullable<typeof s> => s !== undefined);
          const result = answer(syncRequest(observed), now);
          expect(violations(filesOf(result), NAMES, now)).toEqual([]);
          expect(answer(syncRequest(result.attachments), now).attachments).toEqual(result.attachments);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('POST /certificates/sync', () => {
  const app = hooksApp();
  const example = readFileSync(new URL('../../examples/certificates-sync.json', import.meta.url), 'utf8');

  it('answers the example request with three valid Secrets', async () => {
    const response = await request(app).post('/certificates/sync').set('content-type', 'application/json').send(example);
    expect(response.status).toBe(200);
    expect(violations(filesOf(response.body as CertificatesResponse), NAMES, new Date())).toEqual([]);
  });

  it('answers its own answer, observed, with the same Secrets', async () => {
    const first = await request(app).post('/certificates/sync').send(syncRequest([]));
    const second = await request(app).post('/certificates/sync').send(syncRequest(first.body.attachments));
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it.each([
    [
      'a request for another kind',
      JSON.stringify({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'b' } } }),
      'InvalidRequest',
    ],
    ['invalid JSON', '{"object": ', 'InvalidJSON'],
  ])('answers %s with 400 and {reason, message}, and keeps serving', async (_name, body, reason) => {
    const response = await request(app).post('/certificates/sync').set('content-type', 'application/json').send(body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ reason, message: expect.any(String) });
    const healthy = await request(app).get('/healthz');
    expect(healthy.status).toBe(200);
  });

  it('counts issued certificates and exposes their expiry', async () => {
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/kks_certificates_issued_total\{part="ca",reason="Missing"\} [1-9]/);
    expect(metrics.text).toMatch(/kks_certificate_expiry_timestamp_seconds\{namespace="keda",part="server"\} \d+/);
    expect(metrics.text).toMatch(/kks_hook_requests_total\{hook="certificates",outcome="ok"\} [1-9]/);
    expect(metrics.text).toMatch(/kks_hook_requests_total\{hook="certificates",outcome="bad_request"\} [1-9]/);
  });
});
