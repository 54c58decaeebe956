import { X509Certificate } from 'node:crypto';
import { serverNames, systemRandomness } from '../../certs/issue.js';
import type { CertificateFiles } from '../../certs/renew.js';
import { syncCertificates, type CertificatesDecision, type Secret } from '../../hooks/certificates.js';
import { violations } from '../certs/set-check.js';
import { certificatesIn } from '../certs/x509.js';
import { filesOf, syncRequest } from './certificates-requests.js';

/**
 * Years of renewals with an injected clock, as Metacontroller drives the hook: each step
 * observes the Secrets answered by the step before. At every step:
 *  - the leaves chain to the bundle; whenever the set changes, it is checked whole (parses,
 *    chains, names, usages, keys, nothing due);
 *  - every leaf issued at any earlier step and not yet expired still verifies against the
 *    current bundle (a peer holding old credentials keeps working);
 *  - the current leaves verify against the previous step's bundle (a peer that has not yet
 *    read this step's Secrets accepts the certificates it now meets);
 *  - a new leaf is signed by a CA that every bundle has named for more than 200 days (but
 *    for the very first CA): a peer that never re-read its bundle meets it only after months.
 */

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2025-01-01T00:00:00Z');
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda');

interface Walk {
  readonly steps: number;
  readonly caIssued: number;
  readonly leavesIssued: number;
  readonly largestBundle: number;
  readonly finalBundle: number;
  /** Steps whose answer differs from what they observed. */
  readonly changedSteps: number;
  readonly failures: string[];
}

type Next = (previous: CertificatesDecision | undefined) => Date | undefined;

/** A leaf parsed once, checked many times. */
interface Leaf {
  readonly x509: X509Certificate;
  readonly notBefore: number;
  readonly notAfter: number;
}

const parseLeaf = (pem: string): Leaf => {
  const x509 = new X509Certificate(pem);
  return { x509, notBefore: new Date(x509.validFrom).getTime(), notAfter: new Date(x509.validTo).getTime() };
};

/** What a TLS peer holding `cas` checks of a one-level chain at `now`. */
const chains = (leaf: Leaf, cas: readonly X509Certificate[], now: number) =>
  leaf.notBefore <= now &&
  now < leaf.notAfter &&
  cas.some(
    (ca) =>
      ca.ca &&
      new Date(ca.validFrom).getTime() <= now &&
      now < new Date(ca.validTo).getTime() &&
      leaf.x509.checkIssued(ca) &&
      leaf.x509.verify(ca.publicKey),
  );

function walk(next: Next, maxResyncSeconds?: number): Walk {
  const failures: string[] = [];
  let secrets: readonly Secret[] = [];
  let previousCas: X509Certificate[] | undefined;
  let previous: CertificatesDecision | undefined;
  const leaves = new Map<string, Leaf>();
  const seen = new Set<string>();
  /** When each CA first appeared in a bundle, by fingerprint. */
  const published = new Map<string, number>();
  const counts = { steps: 0, changedSteps: 0, caIssued: 0, leavesIssued: 0, largestBundle: 0, finalBundle: 0 };
  for (let now = next(undefined); now !== undefined; now = next(previous)) {
    const result = syncCertificates(syncRequest(secrets), { now, random: systemRandomness }, maxResyncSeconds);
    if (!result.ok) throw new Error(result.problem.message);
    const files: CertificateFiles = filesOf(result.value.response);
    const time = now.getTime();
    const where = `at ${now.toISOString()}`;
    const cas = certificatesIn(files.ca['ca.crt']);
    for (const ca of cas) if (!published.has(ca.fingerprint256)) published.set(ca.fingerprint256, counts.steps === 0 ? -Infinity : time);
    if (result.value.changes.length > 0) {
      counts.changedSteps += 1;
      failures.push(...violations(files, NAMES, now).map((problem) => `${where}: ${problem}`));
    }
    for (const change of result.value.changes) {
      if (change.action === 'issued' && change.part === 'ca') counts.caIssued += 1;
      else if (change.action === 'issued') counts.leavesIssued += 1;
    }
    for (const part of ['server', 'client'] as const) {
      const pem = files[part]['tls.crt'];
      const leaf = leaves.get(pem) ?? parseLeaf(pem);
      leaves.set(pem, leaf);
      if (!seen.has(pem)) {
        seen.add(pem);
        const issuer = cas.find((ca) => leaf.x509.checkIssued(ca) && leaf.x509.verify(ca.publicKey));
        const age = time - (published.get(issuer?.fingerprint256 ?? '') ?? time);
        if (age < 200 * DAY) failures.push(`${where}: the new ${part} leaf is signed by a CA published ${Math.round(age / DAY)} days ago`);
      }
      if (previousCas && !chains(leaf, previousCas, time))
        failures.push(`${where}: the ${part} leaf is not trusted by the bundle of the step before`);
    }
    for (const [pem, leaf] of leaves) {
      if (time >= leaf.notAfter) leaves.delete(pem);
      else if (!chains(leaf, cas, time))
        failures.push(`${where}: a leaf valid from ${new Date(leaf.notBefore).toISOString()} is no longer trusted`);
    }
    counts.finalBundle = cas.length;
    counts.largestBundle = Math.max(counts.largestBundle, cas.length);
    counts.steps += 1;
    secrets = result.value.response.attachments;
    previousCas = cas;
    previous = result.value;
  }
  return { ...counts, failures };
}

/** Once a day at a drifting hour, for `days` days. */
function daily(days: number): Next {
  let day = 0;
  return () => (day < days ? new Date(T0.getTime() + day * DAY + ((day++ * 7) % 24) * 3600 * 1000) : undefined);
}

describe('years of renewals', () => {
  it('called every day for ten years: a CA rollover, its old CA retired, leaves renewed, no peer ever refused', () => {
    const tenYearsAndADay = 10 * 365 + 3;
    const result = walk(daily(tenYearsAndADay));
    expect(result.failures.slice(0, 10)).toEqual([]);
    expect(result.steps).toBe(tenYearsAndADay);
    expect(result.caIssued).toBe(2); // the first CA and its renewal at two thirds of ten years
    expect(result.largestBundle).toBe(2);
    expect(result.finalBundle).toBe(1); // the first CA expired on the last day and left the bundle
    expect(result.leavesIssued).toBeGreaterThanOrEqual(2 * 14);
  }, 120_000);

  it('called only when it asks to be (resyncAfterSeconds) for twenty-five years: every call is due, none late', () => {
    const end = T0.getTime() + 25 * 365 * DAY;
    let last = T0;
    const late: string[] = [];
    const result = walk((previous) => {
      if (!previous) return T0;
      const next = new Date(last.getTime() + previous.response.resyncAfterSeconds * 1000);
      if (next.getTime() > end) return undefined;
      // A second earlier nothing is due yet: the hook did not ask to be called too late.
      const early = syncCertificates(
        syncRequest(previous.response.attachments),
        { now: new Date(next.getTime() - 1000), random: systemRandomness },
        Infinity,
      );
      if (!early.ok || early.value.changes.length > 0) late.push(next.toISOString());
      last = next;
      return next;
    }, Number.POSITIVE_INFINITY);
    expect(result.failures.slice(0, 10)).toEqual([]);
    expect(late).toEqual([]);
    expect(result.caIssued).toBe(4); // the first, then one every two thirds of ten years
    // Every call changes something: the hook never asked to be called for nothing.
    expect(result.changedSteps).toBe(result.steps);
  }, 60_000);
});
