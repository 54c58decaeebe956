import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import { checkBundleSize } from '../certs/bundle-limits.js';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { watchDirectory, type DirectoryWatch } from './watch.js';

/** The files of `--tls-dir`: the layout of a mounted `kubernetes.io/tls` Secret plus the CA bundle. */
export const TLS_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

export interface TlsFiles {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Files that passed every check: what the gRPC server will present and trust. */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Subject, expiry and fingerprint of the server certificate, for logs. */
  readonly subject: string;
  readonly notAfter: Date;
  readonly fingerprint: string;
  /** How many CA certificates `ca.crt` holds: during a CA rollover, the old and the new. */
  readonly authorities: number;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Whether the three files make a server identity and a client trust bundle that TLS will
 * accept, at `now`. Pure apart from parsing; the reason codes say which file to fix.
 */
export function checkTlsFiles(files: TlsFiles, now: number): Result<TlsMaterial> {
  const missing = (Object.keys(TLS_FILES) as Array<keyof typeof TLS_FILES>)
    .filter((which) => !files[which] || files[which].length === 0)
    .map((which) => TLS_FILES[which]);
  if (missing.length > 0 || !files.ca || !files.cert || !files.key) {
    return fail('TlsFilesMissing', `missing or empty: ${missing.join(', ')}`);
  }

  for (const [file, text] of [
    [TLS_FILES.ca, files.ca],
    [TLS_FILES.cert, files.cert],
  ] as const) {
    const bounded = checkBundleSize(text, file);
    if (!bounded.ok) return bounded;
  }
  const authorities = files.ca.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (authorities.length === 0) return fail('InvalidCaBundle', `${TLS_FILES.ca} holds no PEM certificate`);
  const trusted: X509Certificate[] = [];
  for (const [index, pem] of authorities.entries()) {
    try {
      trusted.push(new X509Certificate(pem));
    } catch (error) {
      return fail(
        'InvalidCaBundle',
        `${TLS_FILES.ca}: certificate ${index + 1} of ${authorities.length} cannot be parsed (${(error as Error).message})`,
      );
    }
  }

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(files.cert);
  } catch (error) {
    return fail('InvalidCertificate', `${TLS_FILES.cert} cannot be parsed as a PEM certificate (${(error as Error).message})`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(files.key);
  } catch (error) {
    return fail('InvalidPrivateKey', `${TLS_FILES.key} cannot be parsed as a PEM private key (${(error as Error).message})`);
  }
  if (!leaf.checkPrivateKey(key)) {
    return fail('KeyMismatch', `${TLS_FILES.key} is not the key of the certificate in ${TLS_FILES.cert}`);
  }
  // KEDA is given the same CA bundle as the scaler: a leaf it does not sign fails every handshake.
  if (!trusted.some((authority) => leaf.checkIssued(authority) && leaf.verify(authority.publicKey))) {
    return fail(
      'UntrustedCertificate',
      `${TLS_FILES.cert} (${leaf.subject.replace(/\n/g, ', ')}, issued by ${leaf.issuer.replace(/\n/g, ', ')}) is not signed by a CA in ` +
        `${TLS_FILES.ca}: clients that trust ${TLS_FILES.ca} would refuse it`,
    );
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now < notBefore.getTime()) return fail('CertificateNotYetValid', `${TLS_FILES.cert} is valid only from ${notBefore.toISOString()}`);
  if (now > notAfter.getTime()) return fail('CertificateExpired', `${TLS_FILES.cert} expired at ${notAfter.toISOString()}`);

  try {
    createSecureContext(contextOptions(files.ca, files.cert, files.key));
  } catch (error) {
    return fail('InvalidTlsFiles', `TLS refuses the files: ${(error as Error).message}`);
  }
  return ok({
    ca: files.ca,
    cert: files.cert,
    key: files.key,
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter,
    fingerprint: leaf.fingerprint256,
    authorities: authorities.length,
  });
}

const MIN_VERSION = 'TLSv1.2';

function contextOptions(ca: Buffer, cert: Buffer, key: Buffer): SecureContextOptions {
  return { ca, cert, key, minVersion: MIN_VERSION };
}

/**
 * Reads the three files. A kubelet-mounted Secret is read through its `..data` link
 * resolved once, so the three come from the same version even while kubelet swaps it.
 */
export async function readTlsFiles(dir: string): Promise<TlsFiles> {
  const base = await realpath(join(dir, '..data')).catch(() => dir);
  const read = (name: string) => readFile(join(base, name)).catch(() => undefined);
  const [ca, cert, key] = await Promise.all([read(TLS_FILES.ca), read(TLS_FILES.cert), read(TLS_FILES.key)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/**
 * Server credentials that require and verify a client certificate (TLS 1.2 or newer; h2
 * by ALPN, as every HTTP/2 server) and whose certificates and trusted CAs can be replaced
 * while serving. grpc-js applies a replacement with `setSecureContext`: new handshakes use
 * it, connections already open and the calls on them continue untouched. Until the first
 * `update`, grpc-js refuses every connection.
 */
export class ReloadableServerCredentials extends ServerCredentials {
  constructor() {
    super({ requestCert: true, rejectUnauthorized: true, minVersion: MIN_VERSION });
  }

  update(material: TlsMaterial): void {
    this.updateSecureContextOptions(contextOptions(material.ca, material.cert, material.key));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export interface TlsSource {
  /** The files in use; undefined until a valid set was read. */
  current(): TlsMaterial | undefined;
  /** Why the scaler cannot serve TLS now; undefined when it can. */
  notReadyReason(): string | undefined;
  /** Why the files now in the folder were refused while an earlier set is still served; undefined when none was. */
  rejectedReason(): string | undefined;
  /** Reads the folder now; applies the files when they changed and are valid. */
  reload(): Promise<Result<TlsMaterial>>;
  close(): void;
}

export interface TlsSourceOptions {
  readonly dir: string;
  readonly credentials: ReloadableServerCredentials;
  readonly log: Logger;
  readonly debounceMs?: number;
  readonly pollMs?: number;
  readonly now?: () => number;
}

/**
 * Loads `--tls-dir` into the credentials and keeps following it. Files that are missing
 * or invalid never replace a good set: the scaler keeps serving with the last good one
 * and logs why (once per distinct problem).
 */
export async function startTlsSource(options: TlsSourceOptions): Promise<TlsSource> {
  const { dir, credentials, log } = options;
  const now = options.now ?? Date.now;
  let current: TlsMaterial | undefined;
  let problem: string | undefined;

  const reload = async (): Promise<Result<TlsMaterial>> => {
    const files = await readTlsFiles(dir);
    if (current && files.ca?.equals(current.ca) && files.cert?.equals(current.cert) && files.key?.equals(current.key)) {
      problem = undefined;
      return ok(current);
    }
    const checked = checkTlsFiles(files, now());
    if (!checked.ok) {
      const message = `${dir}: ${checked.problem.message}`;
      if (message !== problem) {
        const fields = { dir, reason: checked.problem.reason, err: checked.problem.message };
        if (current) log.warn(fields, 'TLS files rejected: serving with the previous ones');
        else if (checked.problem.reason === 'TlsFilesMissing')
          log.info(fields, 'waiting for TLS files: gRPC refuses connections until they are there');
        else log.error(fields, 'TLS files rejected: gRPC refuses connections until they are fixed');
      }
      problem = message;
      return fail(checked.problem.reason, message);
    }
    credentials.update(checked.value);
    const replaced = current !== undefined;
    current = checked.value;
    problem = undefined;
    log.info(
      {
        dir,
        subject: current.subject,
        notAfter: current.notAfter.toISOString(),
        fingerprint: current.fingerprint,
        authorities: current.authorities,
      },
      replaced ? 'TLS files reloaded' : 'TLS files loaded',
    );
    return ok(current);
  };

  await reload();
  const watching: DirectoryWatch = watchDirectory(dir, async () => void (await reload()), {
    debounceMs: options.debounceMs ?? 250,
    pollMs: options.pollMs ?? 30_000,
    onError: (error) => log.error({ dir, err: error }, 'reading TLS files failed'),
  });

  return {
    current: () => current,
    notReadyReason() {
      if (!current) return `TLS files not loaded from ${problem ?? dir}`;
      if (now() > current.notAfter.getTime()) return `the server certificate expired at ${current.notAfter.toISOString()}`;
      return undefined;
    },
    rejectedReason: () =>
      current && problem ? `TLS files rejected, serving the previous ones (${current.fingerprint}): ${problem}` : undefined,
    reload,
    close: () => watching.close(),
  };
}
