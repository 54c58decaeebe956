import { systemRandomness } from '../../certs/issue.js';
import type { CertificateFiles } from '../../certs/renew.js';
import { syncCertificates, type CertificatesResponse, type Secret } from '../../hooks/certificates.js';

/** Requests of the certificates hook as Metacontroller sends them, and readers of its answers. */

export function service(name = 'keda-kaito-scaler-svc', namespace = 'keda'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: 'c0ffee', labels: { 'app.kubernetes.io/component': 'scaler' } },
    spec: { ports: [{ name: 'grpc', port: 10450 }] },
  };
}

/** A Secret as Metacontroller reports it back: with the fields the API server adds. */
export function asObserved(secret: Secret | Record<string, unknown>): Record<string, unknown> {
  const metadata = (secret as { metadata: Record<string, unknown> }).metadata;
  return {
    ...secret,
    metadata: {
      ...metadata,
      uid: `uid-${String(metadata['name'])}`,
      resourceVersion: '1234',
      creationTimestamp: '2025-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'keda-kaito-scaler-svc', uid: 'c0ffee', controller: true }],
      managedFields: [{ manager: 'metacontroller', operation: 'Update', fieldsV1: { 'f:data': {} } }],
    },
  };
}

export function syncRequest(secrets: ReadonlyArray<Secret | Record<string, unknown>>, object = service()): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const secret of secrets) {
    const metadata = (secret as { metadata: { name: string; namespace: string } }).metadata;
    map[`${metadata.namespace}/${metadata.name}`] = asObserved(secret);
  }
  return { controller: { kind: 'DecoratorController' }, object, attachments: { 'Secret.v1': map }, related: {}, finalizing: false };
}

export const answer = (body: unknown, now: Date, maxResyncSeconds?: number): CertificatesResponse => {
  const result = syncCertificates(body, { now, random: systemRandomness }, maxResyncSeconds);
  if (!result.ok) throw new Error(result.problem.message);
  return result.value.response;
};

/** The files inside the answer's Secrets, decoded. */
export function filesOf(response: CertificatesResponse): CertificateFiles {
  const [ca, server, client] = response.attachments.map((secret) =>
    Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])),
  );
  return { ca, server, client } as unknown as CertificateFiles;
}
