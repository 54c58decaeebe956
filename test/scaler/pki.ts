import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  issueAuthority,
  issueClientLeaf,
  issueServerLeaf,
  serverNames,
  systemRandomness,
  toAuthority,
  type IssueContext,
} from '../../certs/issue.js';
import { TLS_FILES } from '../../scaler/tls.js';

/** A certificate and its key, PEM. */
export interface Pem {
  readonly certificate: string;
  readonly privateKey: string;
}

/** A CA made by the project's own issuance, and the leaves it signs. */
export interface TestAuthority extends Pem {
  /** For the Service's names plus localhost and 127.0.0.1, as `certs --out` makes it. */
  serverLeaf(): Pem;
  /** Issued now, or at `issuedAt` (a leaf lives a year: one issued longer ago has expired). */
  clientLeaf(issuedAt?: Date): Pem;
}

let authorities = 0;

/**
 * A CA issued at `issuedAt`, or by default a minute ago, each a second before the last:
 * issuance names a CA after the second it was made in, and a renewed CA never shares its
 * predecessor's name.
 */
export function createAuthority(issuedAt?: Date): TestAuthority {
  const at = (when = new Date()): IssueContext => ({ now: when, random: systemRandomness });
  const issued = issueAuthority(at(issuedAt ?? new Date(Date.now() - 60_000 - 1000 * authorities++)));
  const authority = toAuthority(new X509Certificate(issued.certificate), createPrivateKey(issued.privateKey));
  const names = serverNames('keda-kaito-scaler-svc', 'keda', ['localhost', '127.0.0.1']);
  return {
    certificate: issued.certificate,
    privateKey: issued.privateKey,
    serverLeaf: () => issueServerLeaf(authority, names, at()),
    clientLeaf: (issuedAt) => issueClientLeaf(authority, at(issuedAt)),
  };
}

/** Writes `ca.crt`, `tls.crt`, `tls.key` into `dir`: the layout of `--tls-dir` and of the query's client folder. */
export async function writeTlsDir(dir: string, authorities: readonly Pem[], leaf: Pem): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, TLS_FILES.ca), `${authorities.map((authority) => authority.certificate.trim()).join('\n')}\n`);
  await writeFile(join(dir, TLS_FILES.cert), leaf.certificate);
  await writeFile(join(dir, TLS_FILES.key), leaf.privateKey, { mode: 0o600 });
}
