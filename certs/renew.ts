import type { KeyObject } from 'node:crypto';
import {
  canonicalIp,
  EXTENDED_KEY_USAGE,
  issueAuthority,
  issueClientLeaf,
  issueServerLeaf,
  toAuthority,
  type Authority,
  type IssueContext,
  type Issued,
  type ServerNames,
} from './issue.js';
import { parseCertificates, parsePrivateKey, type Certificate } from './inspect.js';
import { fail, failWith, ok, type Problem, type Result } from '../lib/result.js';

/**
 * The renewal rules: from what is observed (files on disk or Secret data, any of it
 * missing or damaged) and the clock, the certificate set to hold now. What is valid comes
 * back unchanged, byte for byte, so that applying the answer again changes nothing.
 *
 * - A certificate is renewed once two thirds of its life have passed.
 * - A leaf is re-issued when it is missing, cannot be parsed, does not match its key, is
 *   not signed by a CA of the bundle, lacks its extended key usage, or (server) does not
 *   carry exactly the Service's names.
 * - A renewed CA stays in every `ca.crt` bundle, after the new one, until it expires: peers
 *   holding certificates it signed keep being accepted.
 * - A new CA signs nothing until every bundle has named it for months: in the step that
 *   renews the CA, the outgoing CA issues both leaves one last time, and leaves it signed
 *   are kept until their own renewal, two thirds of a year later. A peer that has not yet
 *   read the new bundle (KEDA re-reads its credentials only after a failed call, kubelet
 *   refreshes mounted Secrets lazily) so never meets a certificate it cannot verify.
 * - A missing or corrupt CA (no key, key not matching any certificate, not a CA) starts a
 *   fresh set: nothing of the old one is trusted any more.
 */

export interface CaFiles {
  readonly 'ca.crt': string;
  readonly 'ca.key': string;
}

export interface LeafFiles {
  readonly 'ca.crt': string;
  readonly 'tls.crt': string;
  readonly 'tls.key': string;
}

export interface CertificateFiles {
  readonly ca: CaFiles;
  readonly server: LeafFiles;
  readonly client: LeafFiles;
}

export type Part = keyof CertificateFiles;

export type ObservedFiles = { readonly [P in Part]?: Partial<CertificateFiles[P]> };

export type RenewalReason =
  | 'Missing'
  | 'Unparseable'
  | 'KeyMismatch'
  | 'NotACertificateAuthority'
  | 'ForeignIssuer'
  | 'WrongUsage'
  | 'WrongNames'
  | 'NotYetValid'
  | 'Expired'
  | 'NearExpiry'
  | 'CaRenewed';

export type BundleReason = 'PreviousCaExpired' | 'Rewritten';

/** What was changed, and why; empty when the observed set is kept as it is. */
export type Change =
  | { readonly part: Part; readonly action: 'issued'; readonly reason: RenewalReason; readonly detail: string }
  | { readonly part: Part; readonly action: 'bundle'; readonly reason: BundleReason; readonly detail: string };

export interface Renewal {
  readonly files: CertificateFiles;
  readonly changes: readonly Change[];
  /** When the next renewal, or the next removal of an expired CA from the bundles, is due. */
  readonly nextCheck: Date;
  /** When the current CA and the leaves expire. */
  readonly notAfter: Readonly<Record<Part, Date>>;
}

/** Why a file is replaced: it becomes the `reason` and `detail` of the change. */
type RenewalProblem = Problem<RenewalReason>;

const issuedFor = (part: Part, { reason, message }: RenewalProblem): Change => ({ part, action: 'issued', reason, detail: message });

export function renew(observed: ObservedFiles, names: ServerNames, context: IssueContext): Renewal {
  const now = context.now.getTime();
  const changes: Change[] = [];
  const ca = authorityFor(observed.ca, context);
  if ('problem' in ca) changes.push(issuedFor('ca', ca.problem));

  const bundle = [ca.current, ...ca.previous].map((certificate) => certificate.pem).join('');
  if (!('problem' in ca) && observed.ca?.['ca.crt'] !== bundle) {
    const dropped = ca.expiredPrevious > 0;
    changes.push({
      part: 'ca',
      action: 'bundle',
      reason: dropped ? 'PreviousCaExpired' : 'Rewritten',
      detail: dropped ? `${ca.expiredPrevious} expired CA certificate(s) left the bundle` : 'ca.crt rewritten in canonical form',
    });
  }

  const trust = {
    bundle,
    trusted: [ca.current, ...ca.previous],
    signer: ca.outgoing ?? ca.authority,
    reissueByOutgoing: ca.outgoing !== undefined,
  };
  const server = leafFor('server', observed.server, trust, context, names);
  const client = leafFor('client', observed.client, trust, context, names);
  changes.push(...server.changes, ...client.changes);

  const due = [
    renewAt(ca.current),
    ...ca.previous.map((certificate) => certificate.fields.notAfter.getTime()),
    server.renewAt,
    client.renewAt,
  ];
  return {
    files: { ca: { 'ca.crt': bundle, 'ca.key': ca.key }, server: server.files, client: client.files },
    changes,
    nextCheck: new Date(Math.max(now, Math.min(...due))),
    notAfter: { ca: ca.current.fields.notAfter, server: server.notAfter, client: client.notAfter },
  };
}

interface AuthorityState {
  /** The CA that signs from now on. */
  readonly authority: Authority;
  /** The CA renewed in this step, while it is still valid: it signs the leaves of this step. */
  readonly outgoing?: Authority;
  readonly current: Certificate;
  readonly key: string;
  /** Earlier CAs still trusted, newest first. */
  readonly previous: readonly Certificate[];
  readonly expiredPrevious: number;
}

function authorityFor(
  observed: Partial<CaFiles> | undefined,
  context: IssueContext,
): AuthorityState | (AuthorityState & { problem: RenewalProblem }) {
  const now = context.now.getTime();
  const found = observedAuthority(observed);
  if (!found.ok) return { ...issueFreshAuthority(context, []), problem: found.problem };

  const { current, privateKey, others } = found.value;
  const alive = (certificate: Certificate) => now < certificate.fields.notAfter.getTime();
  const previous = others.filter(alive);
  const expiredPrevious = others.length - previous.length;
  const problem = lifetimeProblem(current, now);
  if (problem) {
    // A CA that is not yet valid (the clock went back) is no signer, but stays trusted.
    const outgoing = problem.reason === 'NearExpiry' ? { outgoing: toAuthority(current.x509, privateKey) } : {};
    const kept = alive(current) ? [current, ...previous] : previous;
    return { ...issueFreshAuthority(context, kept), ...outgoing, expiredPrevious, problem };
  }
  return { authority: toAuthority(current.x509, privateKey), current, key: observed?.['ca.key'] as string, previous, expiredPrevious };
}

type ObservedAuthority = Result<{ current: Certificate; privateKey: KeyObject; others: Certificate[] }, RenewalProblem>;

function observedAuthority(observed: Partial<CaFiles> | undefined): ObservedAuthority {
  const certificateText = observed?.['ca.crt'];
  const keyText = observed?.['ca.key'];
  if (certificateText === undefined || keyText === undefined) {
    const absent = [certificateText === undefined && 'ca.crt', keyText === undefined && 'ca.key'].filter(Boolean).join(' and ');
    return fail('Missing', `no ${absent}: a new CA starts a fresh set`);
  }
  const privateKey = parsePrivateKey(keyText);
  if (!privateKey) return fail('Unparseable', 'ca.key is not an ECDSA P-256 private key: a new CA starts a fresh set');
  const { certificates } = parseCertificates(certificateText);
  if (certificates.length === 0) return fail('Unparseable', 'ca.crt holds no certificate: a new CA starts a fresh set');
  const current = certificates.find((certificate) => certificate.x509.checkPrivateKey(privateKey));
  if (!current) return fail('KeyMismatch', 'ca.key matches no certificate in ca.crt: a new CA starts a fresh set');
  const selfSigned = current.x509.checkIssued(current.x509) && current.x509.verify(current.x509.publicKey);
  if (!current.x509.ca || !selfSigned) {
    return fail('NotACertificateAuthority', 'the certificate of ca.key is not a self-signed CA: a new CA starts a fresh set');
  }
  const seen = new Set([current.x509.fingerprint256]);
  const others = certificates.filter((certificate) => {
    if (!certificate.x509.ca || seen.has(certificate.x509.fingerprint256)) return false;
    seen.add(certificate.x509.fingerprint256);
    return true;
  });
  return ok({ current, privateKey, others });
}

function issueFreshAuthority(context: IssueContext, previous: readonly Certificate[]): AuthorityState {
  const issued = issueAuthority(context);
  const [current] = parseCertificates(issued.certificate).certificates as [Certificate];
  const privateKey = parsePrivateKey(issued.privateKey) as KeyObject;
  return { authority: toAuthority(current.x509, privateKey), current, key: issued.privateKey, previous, expiredPrevious: 0 };
}

type Profile = 'server' | 'client';

interface LeafState {
  readonly files: LeafFiles;
  readonly changes: Change[];
  readonly renewAt: number;
  readonly notAfter: Date;
}

interface Trust {
  /** The text of every `ca.crt`. */
  readonly bundle: string;
  /** The CAs of the bundle, which a kept leaf must be signed by. */
  readonly trusted: readonly Certificate[];
  /** Who signs a new leaf. */
  readonly signer: Authority;
  /** The CA was renewed in this step: the outgoing CA re-issues every leaf. */
  readonly reissueByOutgoing: boolean;
}

function leafFor(
  profile: Profile,
  observed: Partial<LeafFiles> | undefined,
  trust: Trust,
  context: IssueContext,
  names: ServerNames,
): LeafState {
  const { bundle, trusted, signer } = trust;
  const checked = checkLeaf(profile, observed, trusted, names, context.now.getTime());
  const verdict: typeof checked =
    trust.reissueByOutgoing && checked.ok
      ? fail('CaRenewed', 'the CA was renewed: the outgoing CA issues this leaf one last time, so the new CA signs nothing for months')
      : checked;
  if (!verdict.ok) {
    const issued: Issued = profile === 'server' ? issueServerLeaf(signer, names, context) : issueClientLeaf(signer, context);
    const [leaf] = parseCertificates(issued.certificate).certificates as [Certificate];
    return {
      files: { 'ca.crt': bundle, 'tls.crt': issued.certificate, 'tls.key': issued.privateKey },
      changes: [issuedFor(profile, verdict.problem)],
      renewAt: renewAt(leaf),
      notAfter: leaf.fields.notAfter,
    };
  }
  const changes: Change[] = [];
  if (observed?.['ca.crt'] !== bundle) {
    changes.push({ part: profile, action: 'bundle', reason: 'Rewritten', detail: 'ca.crt updated to the current CA bundle' });
  }
  return {
    files: { 'ca.crt': bundle, 'tls.crt': observed?.['tls.crt'] as string, 'tls.key': observed?.['tls.key'] as string },
    changes,
    renewAt: verdict.value.renewAt,
    notAfter: verdict.value.notAfter,
  };
}

function checkLeaf(
  profile: Profile,
  observed: Partial<LeafFiles> | undefined,
  trusted: readonly Certificate[],
  names: ServerNames,
  now: number,
): Result<{ renewAt: number; notAfter: Date }, RenewalProblem> {
  const problem = (reason: RenewalReason, message: string) => fail<never, RenewalReason>(reason, message);
  const certificateText = observed?.['tls.crt'];
  const keyText = observed?.['tls.key'];
  if (certificateText === undefined || keyText === undefined) {
    const absent = [certificateText === undefined && 'tls.crt', keyText === undefined && 'tls.key'].filter(Boolean).join(' and ');
    return problem('Missing', `no ${absent}`);
  }
  const parsed = parseCertificates(certificateText);
  const leaf = parsed.certificates[0];
  if (!leaf || !parsed.clean || parsed.certificates.length !== 1) return problem('Unparseable', 'tls.crt is not exactly one certificate');
  const privateKey = parsePrivateKey(keyText);
  if (!privateKey) return problem('Unparseable', 'tls.key is not an ECDSA P-256 private key');
  if (!leaf.x509.checkPrivateKey(privateKey)) return problem('KeyMismatch', 'tls.key does not match tls.crt');
  if (!trusted.some((ca) => leaf.x509.checkIssued(ca.x509) && leaf.x509.verify(ca.x509.publicKey))) {
    return problem('ForeignIssuer', 'tls.crt is not signed by a CA of the bundle');
  }
  const usage = profile === 'server' ? EXTENDED_KEY_USAGE.serverAuth : EXTENDED_KEY_USAGE.clientAuth;
  if (leaf.x509.ca || !(leaf.x509.keyUsage ?? []).includes(usage)) {
    return problem('WrongUsage', `tls.crt is not a ${profile} leaf (extended key usage ${usage}, not a CA)`);
  }
  if (profile === 'server') {
    const wanted = [...names.dnsNames.map((name) => `DNS:${name}`), ...names.ipAddresses.map((ip) => `IP:${canonicalIp(ip)}`)];
    const held = alternativeNames(leaf.x509.subjectAltName);
    if (!sameSet(wanted, held))
      return problem('WrongNames', `tls.crt names ${held.join(', ') || 'nothing'}; the Service needs ${wanted.join(', ')}`);
  }
  const lifetime = lifetimeProblem(leaf, now);
  return lifetime ? failWith(lifetime) : ok({ renewAt: renewAt(leaf), notAfter: leaf.fields.notAfter });
}

/** Renewal is due once two thirds of the certificate's life have passed. */
export function renewAt(certificate: Certificate): number {
  const notBefore = certificate.fields.notBefore.getTime();
  const notAfter = certificate.fields.notAfter.getTime();
  return notAfter - Math.floor((notAfter - notBefore) / 3);
}

function lifetimeProblem(certificate: Certificate, now: number): RenewalProblem | undefined {
  const { notBefore, notAfter } = certificate.fields;
  if (now < notBefore.getTime()) return { reason: 'NotYetValid', message: `valid only from ${notBefore.toISOString()}` };
  if (now >= notAfter.getTime()) return { reason: 'Expired', message: `expired at ${notAfter.toISOString()}` };
  if (now >= renewAt(certificate))
    return { reason: 'NearExpiry', message: `expires at ${notAfter.toISOString()}, less than a third of its life left` };
  return undefined;
}

/** Node prints SANs as `DNS:a, IP Address:1.2.3.4`; compare them as `DNS:a`, `IP:1.2.3.4`. */
function alternativeNames(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(', ')
    .map((entry) => entry.replace(/^IP Address:/, 'IP:').replace(/^DNS:(.*)$/, (_all, dns: string) => `DNS:${dns.toLowerCase()}`));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
