import request from 'supertest';
import { systemRandomness } from '../../certs/issue.js';
import { customizeCertificates, SECRET_NAMES, syncCertificates } from '../../hooks/certificates.js';
import { asObserved, service, syncRequest } from './certificates-requests.js';
import { hooksApp } from './hooks-app.js';

/** A Secret of one of our names that some other install wrote: not attached to our Service. */
function foreignSecret(name: string, namespace = 'keda'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `other-${name}` },
    type: 'Opaque',
    data: { 'ca.crt': 'AA==' },
  };
}

/** The request with `related` holding the given Secrets, as the customize answer makes Metacontroller send. */
function withRelated(body: Record<string, unknown>, ...secrets: Record<string, unknown>[]): Record<string, unknown> {
  const map = Object.fromEntries(
    secrets.map((secret) => {
      const { name, namespace } = (secret as { metadata: { name: string; namespace: string } }).metadata;
      return [`${namespace}/${name}`, secret];
    }),
  );
  return { ...body, related: { 'Secret.v1': map } };
}

const context = { now: new Date('2025-01-01T00:00:00Z'), random: systemRandomness };

describe('customizeCertificates', () => {
  it("names the three Secrets in the Service's namespace", () => {
    expect(customizeCertificates({ controller: {}, parent: service('scaler', 'kube-system') })).toEqual({
      ok: true,
      value: {
        relatedResources: [{ apiVersion: 'v1', resource: 'secrets', namespace: 'kube-system', names: Object.values(SECRET_NAMES) }],
      },
    });
  });

  it.each<[string, unknown]>([
    ['no parent', { controller: {} }],
    ['a parent of another kind', { parent: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'b' } } }],
    ['an object instead of a parent', { object: service() }],
  ])('%s -> InvalidRequest', (_name, body) => {
    const result = customizeCertificates(body);
    expect(!result.ok && result.problem.reason).toBe('InvalidRequest');
  });
});

describe('a Secret of our names that exists but is not attached', () => {
  it.each(Object.values(SECRET_NAMES))('%s -> SecretConflict naming it, and nothing issued', (name) => {
    const result = syncCertificates(withRelated(syncRequest([]), foreignSecret(name)), context);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toEqual({
      reason: 'SecretConflict',
      message: expect.stringMatching(new RegExp(`^Secret keda/${name} exists and is not managed by .*Delete it`)),
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['the same Secret, attached', foreignSecret(SECRET_NAMES.ca)],
    ['one of our names in another namespace', foreignSecret(SECRET_NAMES.ca, 'default')],
    ['another name', foreignSecret('keda-kaito-scaler-ca-backup')],
  ])('no conflict: %s', (name, secret) => {
    const attached = name.endsWith('attached') ? [asObserved(secret)] : [];
    const body = withRelated(syncRequest(attached as never[]), secret);
    expect(syncCertificates(body, context).ok).toBe(true);
  });

  it('is answered 422, reported as rejected, and no expiry is reported for certificates that do not exist', async () => {
    const app = hooksApp();
    const response = await request(app)
      .post('/certificates/sync')
      .send(withRelated(syncRequest([]), foreignSecret(SECRET_NAMES.server)));
    expect(response.status).toBe(422);
    expect(response.body.reason).toBe('SecretConflict');
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).toMatch(/kks_hook_requests_total\{hook="certificates",outcome="rejected"\} 1/);
    expect(metrics).not.toMatch(/kks_certificate_expiry_timestamp_seconds\{/);
    expect(metrics).not.toMatch(/kks_certificates_issued_total\{/);
  });
});
