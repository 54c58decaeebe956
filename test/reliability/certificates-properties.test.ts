import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import request from 'supertest';
import { serverNames } from '../../certs/issue.js';
import { createApp } from '../../hooks/app.js';
import { SECRET_NAMES, type CertificatesResponse, type Secret } from '../../hooks/certificates.js';
import { createLogger } from '../../lib/log.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { violations } from '../certs/set-check.js';
import { answer, filesOf, service, syncRequest } from '../hooks/certificates-requests.js';
import { trapUnhandledRejections } from './traps.js';

trapUnhandledRejections();
// Hundreds of CPU-bound runs: the timeout is there to catch a hang, and a busy machine takes several times longer.
jest.setTimeout(60_000);

/**
 * The certificates hook under whatever Metacontroller may observe: Secrets of ours edited by
 * hand or by other tools (any type, any data, keys added or emptied, values that are not
 * base64), Secrets of other names and namespaces, other kinds. Whatever comes in, the answer
 * is the three Secrets, each a Secret the API server accepts for its type with certificates
 * that parse and chain, and answering it back changes nothing. A request that is not about
 * a Service is refused (400), which changes nothing either.
 */

const defaults = hooksCommand.validate({});
if (!defaults.ok) throw new Error(defaults.problem.message);
const app = createApp({ config: defaults.value, log: createLogger({ level: 'silent', format: 'json' }), registry: new Registry() });

const NOW = new Date();
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda');
const KEYS: Readonly<Record<string, readonly string[]>> = {
  [SECRET_NAMES.ca]: ['ca.crt', 'ca.key'],
  [SECRET_NAMES.server]: ['ca.crt', 'tls.crt', 'tls.key'],
  [SECRET_NAMES.client]: ['ca.crt', 'tls.crt', 'tls.key'],
};

/** Values taken from a real answer, so that some observed sets are (partly) valid. */
const good = answer(syncRequest([]), NOW);
const goodValues = good.attachments.flatMap((secret) => Object.values(secret.data));

const dataValue = fc.oneof(
  fc.constantFrom(...goodValues),
  fc.constantFrom(...goodValues).map((value) => value.slice(0, value.length >> 1)),
  fc.string().map((text) => Buffer.from(text).toString('base64')),
  fc.string(),
  fc.constantFrom('', '====', 'not base64!', '\u0000'),
  fc.jsonValue(),
);
const data = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('ca.crt', 'ca.key', 'tls.crt', 'tls.key'), fc.string({ maxLength: 10 })), dataValue, {
      maxKeys: 6,
    }),
  },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.constant([]), fc.string(), fc.integer()) },
);
const type = fc.option(
  fc.oneof(fc.constantFrom('Opaque', 'kubernetes.io/tls', ''), fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)),
  { nil: undefined },
);
const ours = (name: string) =>
  fc.option(
    fc
      .record({
        type,
        data,
        stringData: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }),
        immutable: fc.option(fc.boolean(), { nil: undefined }),
      })
      .map((fields) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'keda', labels: { edited: 'by-hand' } },
        ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      })),
    { nil: undefined },
  );
/** Secrets the hook must not look at: other names, other namespaces. */
const stranger = fc
  .record({
    name: fc.oneof(fc.constantFrom(...Object.values(SECRET_NAMES)), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
    namespace: fc.constantFrom('keda', 'default', 'kube-system'),
  })
  .filter(({ name, namespace }) => !(namespace === 'keda' && Object.values(SECRET_NAMES).includes(name)))
  .map(({ name, namespace }) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: { 'ca.crt': 'Zm9v' },
  }));

/** Everything the API server checks of these Secrets: names, keys for their type, base64 data. */
function secretProblems(secret: Secret, observedType: unknown): string[] {
  const problems: string[] = [];
  const keys = KEYS[secret.metadata.name];
  if (!keys) return [`unexpected Secret ${secret.metadata.name}`];
  if (secret.metadata.namespace !== 'keda') problems.push(`${secret.metadata.name} in ${secret.metadata.namespace}`);
  if (JSON.stringify(Object.keys(secret.data).sort()) !== JSON.stringify(keys))
    problems.push(`${secret.metadata.name} keys ${Object.keys(secret.data).join(',')}`);
  for (const [key, value] of Object.entries(secret.data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) problems.push(`${secret.metadata.name} key ${key}`);
    if (typeof value !== 'string' || value === '' || Buffer.from(value, 'base64').toString('base64') !== value)
      problems.push(`${secret.metadata.name}.${key} is not base64`);
  }
  // A Secret's type cannot change: an observed one is kept; otherwise ours.
  const expectedType =
    typeof observedType === 'string' && observedType !== ''
      ? observedType
      : secret.metadata.name === SECRET_NAMES.ca
        ? 'Opaque'
        : 'kubernetes.io/tls';
  if (secret.type !== expectedType) problems.push(`${secret.metadata.name} type ${secret.type}, observed ${String(observedType)}`);
  if (secret.type === 'kubernetes.io/tls' && keys.includes('tls.crt') && !('tls.crt' in secret.data && 'tls.key' in secret.data))
    problems.push(`${secret.metadata.name} tls without its keys`);
  if ('stringData' in secret) problems.push(`${secret.metadata.name} has stringData`);
  return problems;
}

describe('the certificates hook under arbitrary observed Secrets', () => {
  it('answers the three Secrets, valid and complete, whatever it observes; answering them back changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        ours(SECRET_NAMES.ca),
        ours(SECRET_NAMES.server),
        ours(SECRET_NAMES.client),
        fc.array(stranger, { maxLength: 3 }),
        async (ca, server, client, strangers) => {
          const observed = [ca, server, client].filter((secret): secret is NonNullable<typeof secret> => secret !== undefined);
          const body = syncRequest([...observed, ...strangers] as Array<Record<string, unknown>>);
          (body['attachments'] as Record<string, unknown>)['ConfigMap.v1'] = {
            'keda/other': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'keda' } },
          };
          const response = await request(app).post('/certificates/sync').send(body);
          expect(response.status).toBe(200);
          const answered = response.body as CertificatesResponse;
          // Never a Secret dropped: all three, in order.
          expect(answered.attachments.map((secret) => secret.metadata.name)).toEqual(Object.values(SECRET_NAMES));
          const typeOf = (name: string) =>
            observed.find((secret) => secret.metadata.name === name)?.['type' as keyof (typeof observed)[number]];
          expect(answered.attachments.flatMap((secret) => secretProblems(secret, typeOf(secret.metadata.name)))).toEqual([]);
          expect(violations(filesOf(answered), NAMES, NOW)).toEqual([]);
          const again = await request(app).post('/certificates/sync').send(syncRequest(answered.attachments));
          expect(again.body.attachments).toEqual(answered.attachments);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a request that is not about a Service with 400 and {reason, message}, whatever else it carries', async () => {
    const object = fc.oneof(
      fc.jsonValue(),
      fc.record({
        apiVersion: fc.constantFrom('v1', 'apps/v1'),
        kind: fc.constantFrom('Service', 'ConfigMap'),
        metadata: fc.record({ name: fc.string(), namespace: fc.string() }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(object, async (candidate) => {
        const body = { ...syncRequest([]), object: candidate };
        const response = await request(app).post('/certificates/sync').send(body);
        if (response.status === 200) {
          // A valid Service after all: then it is served like any other.
          expect(candidate).toEqual(expect.objectContaining({ apiVersion: 'v1', kind: 'Service' }));
          expect((response.body as CertificatesResponse).attachments).toHaveLength(3);
          return;
        }
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ reason: 'InvalidRequest', message: expect.stringMatching(/^request field /) });
      }),
      { numRuns: 200 },
    );
  });

  it('serves Services of any valid name and namespace, each with its own DNS names', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/),
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
        (name, namespace) => {
          const answered = answer(syncRequest([], service(name, namespace)), NOW);
          expect(answered.attachments.map((secret) => secret.metadata.namespace)).toEqual([namespace, namespace, namespace]);
          expect(violations(filesOf(answered), serverNames(name, namespace), NOW)).toEqual([]);
        },
      ),
      { numRuns: 10 },
    );
  });
});
