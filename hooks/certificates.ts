import { Counter, Gauge, type Registry } from 'prom-client';
import { serverNames, systemRandomness, type IssueContext } from '../certs/issue.js';
import { renew, type Change, type CertificateFiles, type ObservedFiles, type Part } from '../certs/renew.js';
import { checkBundleSize } from '../certs/bundle-limits.js';
import type { Logger } from '../lib/log.js';
import { recentKeys } from '../lib/recent-keys.js';
import { fail, ok, type Result } from '../lib/result.js';
import { validateCertificatesCustomize, validateCertificatesSync } from '../schemas/certificates-request.js';
import type { RelatedResourceRule } from './customize.js';
import { objectsOfKind, unattached, type KubeObject, type ObjectMap } from './objects.js';

/**
 * `POST /certificates/sync`: a DecoratorController hook (v2) over the scaler's gRPC
 * Service. It answers the three Secrets of the scaler's mTLS in the Service's namespace,
 * renewed by the rules of certs/renew.ts, and asks to be called again before the next
 * renewal is due.
 */

export const SECRET_NAMES: Readonly<Record<Part, string>> = {
  ca: 'keda-kaito-scaler-ca',
  server: 'keda-kaito-scaler-server-certs',
  client: 'keda-kaito-scaler-client-certs',
};

/** Namespaces whose certificate expiry is exported (one scaler Service per namespace; the most recent). */
const MAX_EXPIRY_NAMESPACES = 8;

/** Called at least daily, so that a clock jump or a lost event is repaired within a day. */
export const MAX_RESYNC_SECONDS = 24 * 3600;

const LABELS = { 'app.kubernetes.io/managed-by': 'keda-kaito-scaler' } as const;

export interface Secret {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
}

/** Exactly what Metacontroller reads from a v2 decorator sync answer: nothing for the Service itself. */
export interface CertificatesResponse {
  readonly attachments: readonly Secret[];
  readonly resyncAfterSeconds: number;
}

export interface CertificatesDecision {
  readonly response: CertificatesResponse;
  readonly changes: readonly Change[];
  readonly notAfter: Readonly<Record<Part, Date>>;
}

/**
 * `POST /certificates/customize`: the three Secrets of the Service's namespace, by name, so
 * that the sync hook sees one that exists but is not attached (Metacontroller never adopts:
 * it would keep failing to create ours, silently).
 */
export function customizeCertificates(body: unknown): Result<{ relatedResources: RelatedResourceRule[] }> {
  const request = validateCertificatesCustomize(body);
  if (!request.ok) return request;
  const { namespace } = (body as { parent: KubeObject }).parent.metadata as { namespace: string };
  const rule = { apiVersion: 'v1', resource: 'secrets', namespace, names: Object.values(SECRET_NAMES) };
  return ok({ relatedResources: [rule] });
}

export function syncCertificates(
  body: unknown,
  context: IssueContext,
  maxResyncSeconds = MAX_RESYNC_SECONDS,
): Result<CertificatesDecision> {
  const request = validateCertificatesSync(body);
  if (!request.ok) return request;
  const { object, attachments, related } = body as { object: KubeObject; attachments?: ObjectMap; related?: ObjectMap };
  const { name, namespace } = object.metadata as { name: string; namespace: string };

  // Renewing what Metacontroller cannot write would issue a new CA on every sync and report
  // certificates that do not exist.
  const names = Object.values(SECRET_NAMES);
  const foreign = unattached(attachments, related, 'Secret', '', namespace).find((secret) => names.includes(secret.metadata.name));
  if (foreign) {
    return fail(
      'SecretConflict',
      `Secret ${namespace}/${foreign.metadata.name} exists and is not managed by the certificates DecoratorController of ` +
        `Service ${namespace}/${name} (another install may have made it); it is left untouched and no certificates are ` +
        `issued. Delete it (and any other of ${names.join(', ')} made elsewhere) to let keda-kaito-scaler issue its own.`,
    );
  }

  const secrets = new Map(
    objectsOfKind(attachments, 'Secret', '')
      .filter((secret) => secret.metadata.namespace === namespace)
      .map((secret) => [secret.metadata.name, secret as KubeObject & { type?: unknown; data?: unknown }]),
  );
  const observed: Record<string, Record<string, string>> = {};
  for (const part of Object.keys(SECRET_NAMES) as Part[]) {
    const secret = secrets.get(SECRET_NAMES[part]);
    if (secret) observed[part] = decodeData(secret.data);
    // Before any parsing: a bundle of thousands of certificates would block the hook for seconds.
    for (const [key, text] of Object.entries(observed[part] ?? {})) {
      const bounded = checkBundleSize(text, `Secret ${namespace}/${SECRET_NAMES[part]} ${key}`);
      if (!bounded.ok) return bounded;
    }
  }

  const renewal = renew(observed as ObservedFiles, serverNames(name, namespace), context);
  const secret = (part: Part, defaultType: string): Secret => {
    const observedType = secrets.get(SECRET_NAMES[part])?.type;
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SECRET_NAMES[part], namespace, labels: LABELS },
      // A Secret's type cannot change once created; Opaque and kubernetes.io/tls both hold these keys.
      type: typeof observedType === 'string' && observedType !== '' ? observedType : defaultType,
      data: encodeData(renewal.files[part]),
    };
  };
  const seconds = Math.ceil((renewal.nextCheck.getTime() - context.now.getTime()) / 1000);
  return ok({
    response: {
      attachments: [secret('ca', 'Opaque'), secret('server', 'kubernetes.io/tls'), secret('client', 'kubernetes.io/tls')],
      resyncAfterSeconds: Math.min(maxResyncSeconds, Math.max(1, seconds)),
    },
    changes: renewal.changes,
    notAfter: renewal.notAfter,
  });
}

/**
 * Secret data is base64 of PEM text. A value that is not canonical base64 of UTF-8 text is
 * read as empty, which the renewal rules treat as unparseable: decoding then re-encoding a
 * kept value gives back the same bytes, so a valid Secret comes back byte-identical.
 */
function decodeData(data: unknown): Record<string, string> {
  if (typeof data !== 'object' || data === null) return {};
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      decoded[key] = '';
      continue;
    }
    const bytes = Buffer.from(value, 'base64');
    const text = bytes.toString('utf8');
    decoded[key] = bytes.toString('base64') === value && Buffer.from(text, 'utf8').equals(bytes) ? text : '';
  }
  return decoded;
}

function encodeData(files: CertificateFiles[Part]): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([key, text]) => [key, Buffer.from(text as string, 'utf8').toString('base64')]));
}

/** The shell: the clock and the system's randomness in, each change logged and counted, the answer out. */
export function certificatesHook({ log, registry }: { readonly log: Logger; readonly registry: Registry }) {
  const issued = new Counter({
    name: 'kks_certificates_issued_total',
    help: 'Certificates issued by the certificates hook, by part (ca, server, client) and reason.',
    labelNames: ['part', 'reason'],
    registers: [registry],
  });
  const expiry = new Gauge({
    name: 'kks_certificate_expiry_timestamp_seconds',
    help: 'When the certificates the hook last answered expire (Unix seconds), by Service namespace and part.',
    labelNames: ['namespace', 'part'],
    registers: [registry],
  });
  // Anyone reaching the hooks port can name a namespace: only the latest few keep their series.
  const namespaces = recentKeys(MAX_EXPIRY_NAMESPACES);
  return (body: unknown): Result<CertificatesResponse> => {
    const decision = syncCertificates(body, { now: new Date(), random: systemRandomness });
    if (!decision.ok) return decision;
    const namespace = decision.value.response.attachments[0]?.metadata.namespace ?? '';
    for (const change of decision.value.changes) {
      log.info({ hook: 'certificates', namespace, part: change.part, action: change.action, reason: change.reason }, change.detail);
      if (change.action === 'issued') issued.inc({ part: change.part, reason: change.reason });
    }
    for (const [part, date] of Object.entries(decision.value.notAfter)) expiry.set({ namespace, part }, date.getTime() / 1000);
    for (const gone of namespaces.touch(namespace)) for (const part of Object.keys(SECRET_NAMES)) expiry.remove({ namespace: gone, part });
    return ok(decision.value.response);
  };
}
