import { generateKeyPairSync } from 'node:crypto';
import { issueAuthority, serverNames, systemRandomness, type ServerNames } from '../../certs/issue.js';
import { renew, renewAt, type CertificateFiles, type ObservedFiles } from '../../certs/renew.js';
import { parseCertificates } from '../../certs/inspect.js';
import { issuerIndex, violations } from './set-check.js';
import { certificatesIn } from './x509.js';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2025-01-01T00:00:00Z');
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda');
const at = (time: number) => new Date(time);
const afterDays = (days: number, from = T0.getTime()) => at(from + days * DAY);
const step = (observed: ObservedFiles, now: Date, names: ServerNames = NAMES) => renew(observed, names, { now, random: systemRandomness });
/** Renews every `everyDays` from `from` to `to`, as a cluster that calls the hook would. */
function advance(files: CertificateFiles, from: number, to: number, everyDays = 30): CertificateFiles {
  let current = files;
  for (let time = from; time <= to; time += everyDays * DAY) current = step(current, at(time)).files;
  return step(current, at(to)).files;
}
const firstCertificate = (text: string) => parseCertificates(text).certificates[0];
const caRenewAt = (files: CertificateFiles) => renewAt(firstCertificate(files.ca['ca.crt'])!);
const caNotAfter = (files: CertificateFiles) => firstCertificate(files.ca['ca.crt'])!.fields.notAfter.getTime();
const withFile = (files: CertificateFiles, part: keyof CertificateFiles, file: string, text: string | undefined): ObservedFiles => ({
  ...files,
  [part]: { ...files[part], [file]: text },
});
const without = (files: CertificateFiles, part: keyof CertificateFiles): ObservedFiles => {
  const copy: Record<string, unknown> = { ...files };
  delete copy[part];
  return copy as ObservedFiles;
};

const RSA_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

// One fresh set, and the same set at its key moments; every row starts from these.
const fresh = step({}, T0).files;
const other = step({}, T0).files;
const rollover = caRenewAt(fresh);
const beforeRollover = advance(fresh, T0.getTime(), rollover - 30 * DAY);
const leavesDueAtRollover = advance(fresh, T0.getTime(), rollover - 250 * DAY);
const rolledOver = step(beforeRollover, at(rollover)).files;
const oldCaExpiry = caNotAfter(fresh);
const beforeOldCaExpiry = advance(rolledOver, rollover, oldCaExpiry - 10 * DAY);

interface Row {
  readonly observed: ObservedFiles;
  readonly now: Date;
  readonly names?: ServerNames;
  /** `part:action:reason` of every change, in order. */
  readonly changes: readonly string[];
  /** Files that must come back byte for byte. */
  readonly kept: ReadonlyArray<readonly [keyof CertificateFiles, string]>;
  /** Which CA of the answer's bundle signed each leaf (0: the current one). */
  readonly signers?: { readonly server: number; readonly client: number };
  /** How many CA certificates the bundle holds. */
  readonly bundleSize?: number;
}

const ALL: Row['kept'] = [
  ['ca', 'ca.crt'],
  ['ca', 'ca.key'],
  ['server', 'ca.crt'],
  ['server', 'tls.crt'],
  ['server', 'tls.key'],
  ['client', 'ca.crt'],
  ['client', 'tls.crt'],
  ['client', 'tls.key'],
];
const allBut = (...parts: Array<readonly [keyof CertificateFiles, string]>) =>
  ALL.filter(([part, file]) => !parts.some(([p, f]) => p === part && f === file));
const LEAF_FILES = (part: 'server' | 'client') =>
  [
    [part, 'tls.crt'],
    [part, 'tls.key'],
  ] as const;
const CA_BUNDLES = [
  ['ca', 'ca.crt'],
  ['server', 'ca.crt'],
  ['client', 'ca.crt'],
] as const;
const FRESH_SET = ['ca:issued:Missing', 'server:issued:Missing', 'client:issued:Missing'];

const tables: Record<string, Record<string, Row>> = {
  'fresh: nothing observed': {
    'an empty observation gets a whole set': { observed: {}, now: T0, changes: FRESH_SET, kept: [], bundleSize: 1 },
    'no CA Secret, leaves present: a fresh set, old leaves untrusted': {
      observed: without(fresh, 'ca'),
      now: afterDays(1),
      changes: ['ca:issued:Missing', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
    'the server Secret missing: only it is issued': {
      observed: without(fresh, 'server'),
      now: afterDays(1),
      changes: ['server:issued:Missing'],
      kept: allBut(['server', 'ca.crt'], ...LEAF_FILES('server')),
    },
  },
  'valid: kept byte for byte': {
    'the day after': { observed: fresh, now: afterDays(1), changes: [], kept: ALL, signers: { server: 0, client: 0 } },
    'just before two thirds of the leaves life': { observed: fresh, now: afterDays(243), changes: [], kept: ALL },
  },
  'near expiry': {
    'leaves past two thirds of their life are re-issued by the same CA': {
      observed: fresh,
      now: afterDays(244),
      changes: ['server:issued:NearExpiry', 'client:issued:NearExpiry'],
      kept: allBut(...LEAF_FILES('server'), ...LEAF_FILES('client')),
      signers: { server: 0, client: 0 },
    },
    'expired leaves are re-issued': {
      observed: fresh,
      now: afterDays(400),
      changes: ['server:issued:Expired', 'client:issued:Expired'],
      kept: allBut(...LEAF_FILES('server'), ...LEAF_FILES('client')),
    },
    'leaves not yet valid (the clock went back) are re-issued, and so is the CA': {
      observed: fresh,
      now: afterDays(-1),
      changes: ['ca:issued:NotYetValid', 'server:issued:NotYetValid', 'client:issued:NotYetValid'],
      kept: [],
      bundleSize: 2,
    },
  },
  'wrong SAN': {
    'the Service was renamed: the server leaf is re-issued, the client leaf kept': {
      observed: fresh,
      now: afterDays(1),
      names: serverNames('scaler', 'keda'),
      changes: ['server:issued:WrongNames'],
      kept: allBut(...LEAF_FILES('server')),
    },
    'the Service moved namespace': {
      observed: fresh,
      now: afterDays(1),
      names: serverNames('keda-kaito-scaler-svc', 'autoscaling'),
      changes: ['server:issued:WrongNames'],
      kept: allBut(...LEAF_FILES('server')),
    },
    'a name too many (extra IP) is wrong too': {
      observed: step(fresh, afterDays(1), serverNames('keda-kaito-scaler-svc', 'keda', ['127.0.0.1'])).files,
      now: afterDays(2),
      changes: ['server:issued:WrongNames'],
      kept: allBut(...LEAF_FILES('server')),
    },
  },
  'foreign CA': {
    'a server leaf of another CA': {
      observed: { ...fresh, server: other.server },
      now: afterDays(1),
      changes: ['server:issued:ForeignIssuer'],
      kept: allBut(['server', 'ca.crt'], ...LEAF_FILES('server')),
    },
    'a client leaf of another CA': {
      observed: { ...fresh, client: { ...other.client, 'ca.crt': fresh.client['ca.crt'] } },
      now: afterDays(1),
      changes: ['client:issued:ForeignIssuer'],
      kept: allBut(...LEAF_FILES('client')),
    },
  },
  'corrupt key': {
    'a garbage server key': {
      observed: withFile(fresh, 'server', 'tls.key', 'garbage'),
      now: afterDays(1),
      changes: ['server:issued:Unparseable'],
      kept: allBut(...LEAF_FILES('server')),
    },
    'the client key of another set': {
      observed: withFile(fresh, 'client', 'tls.key', other.client['tls.key']),
      now: afterDays(1),
      changes: ['client:issued:KeyMismatch'],
      kept: allBut(...LEAF_FILES('client')),
    },
    'a garbage CA key: a fresh set, nothing old trusted': {
      observed: withFile(fresh, 'ca', 'ca.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      now: afterDays(1),
      changes: ['ca:issued:Unparseable', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
    'a CA key that matches no certificate of ca.crt': {
      observed: withFile(fresh, 'ca', 'ca.key', other.ca['ca.key']),
      now: afterDays(1),
      changes: ['ca:issued:KeyMismatch', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
    'a leaf and its key in the CA Secret': {
      observed: { ...fresh, ca: { 'ca.crt': fresh.server['tls.crt'], 'ca.key': fresh.server['tls.key'] } },
      now: afterDays(1),
      changes: ['ca:issued:NotACertificateAuthority', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
    'an RSA key is not ours to sign with': {
      observed: withFile(fresh, 'ca', 'ca.key', RSA_KEY),
      now: afterDays(1),
      changes: ['ca:issued:Unparseable', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
    },
  },
  'damaged files': {
    'a truncated server certificate': {
      observed: withFile(fresh, 'server', 'tls.crt', fresh.server['tls.crt'].slice(0, 200)),
      now: afterDays(1),
      changes: ['server:issued:Unparseable'],
      kept: allBut(...LEAF_FILES('server')),
    },
    'two certificates in tls.crt': {
      observed: withFile(fresh, 'client', 'tls.crt', fresh.client['tls.crt'] + other.client['tls.crt']),
      now: afterDays(1),
      changes: ['client:issued:Unparseable'],
      kept: allBut(...LEAF_FILES('client')),
    },
    'server and client swapped': {
      observed: { ...fresh, server: fresh.client, client: fresh.server },
      now: afterDays(1),
      changes: ['server:issued:WrongUsage', 'client:issued:WrongUsage'],
      kept: allBut(...LEAF_FILES('server'), ...LEAF_FILES('client')),
    },
    'junk after the CA certificate: the bundle is rewritten, every key kept': {
      observed: withFile(fresh, 'ca', 'ca.crt', `${fresh.ca['ca.crt']}junk\n`),
      now: afterDays(1),
      changes: ['ca:bundle:Rewritten'],
      kept: allBut(['ca', 'ca.crt']),
    },
    'a stale ca.crt in the client Secret': {
      observed: withFile(fresh, 'client', 'ca.crt', other.ca['ca.crt']),
      now: afterDays(1),
      changes: ['client:bundle:Rewritten'],
      kept: allBut(['client', 'ca.crt']),
    },
    'the CA certificate missing from ca.crt of the CA Secret': {
      observed: withFile(fresh, 'ca', 'ca.crt', issueAuthority({ now: T0, random: systemRandomness }).certificate),
      now: afterDays(1),
      changes: ['ca:issued:KeyMismatch', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
  },
  'CA rollover': {
    'a CA past two thirds of its life is renewed, stays trusted, and issues both leaves one last time': {
      observed: beforeRollover,
      now: at(rollover),
      changes: ['ca:issued:NearExpiry', 'server:issued:CaRenewed', 'client:issued:CaRenewed'],
      kept: [],
      signers: { server: 1, client: 1 },
      bundleSize: 2,
    },
    'leaves due in the rollover step are re-issued by the outgoing CA too': {
      observed: leavesDueAtRollover,
      now: at(rollover),
      changes: ['ca:issued:NearExpiry', 'server:issued:NearExpiry', 'client:issued:NearExpiry'],
      kept: [],
      signers: { server: 1, client: 1 },
      bundleSize: 2,
    },
    'after the rollover, leaves signed by the old CA are kept': {
      observed: rolledOver,
      now: at(rollover + DAY),
      changes: [],
      kept: ALL,
      signers: { server: 1, client: 1 },
      bundleSize: 2,
    },
    'the new CA signs its first leaves at their next renewal, months later': {
      observed: rolledOver,
      now: at(rollover + 250 * DAY),
      changes: ['server:issued:NearExpiry', 'client:issued:NearExpiry'],
      kept: allBut(...LEAF_FILES('server'), ...LEAF_FILES('client')),
      signers: { server: 0, client: 0 },
      bundleSize: 2,
    },
    'a leaf missing after the rollover is issued by the new CA (the old key is gone)': {
      observed: without(rolledOver, 'client'),
      now: at(rollover + DAY),
      changes: ['client:issued:Missing'],
      kept: allBut(['client', 'ca.crt'], ...LEAF_FILES('client')),
      signers: { server: 1, client: 0 },
      bundleSize: 2,
    },
    'the old CA leaves every bundle when it expires': {
      observed: beforeOldCaExpiry,
      now: at(oldCaExpiry),
      changes: ['ca:bundle:PreviousCaExpired', 'server:bundle:Rewritten', 'client:bundle:Rewritten'],
      kept: allBut(...CA_BUNDLES),
      signers: { server: 0, client: 0 },
      bundleSize: 1,
    },
    'an expired CA (a cluster switched off for years) is replaced and not kept': {
      observed: fresh,
      now: at(oldCaExpiry + DAY),
      changes: ['ca:issued:Expired', 'server:issued:ForeignIssuer', 'client:issued:ForeignIssuer'],
      kept: [],
      bundleSize: 1,
    },
  },
};

describe.each(Object.keys(tables))('renewal rule: %s', (table) => {
  const rows = Object.entries(tables[table] as Record<string, Row>);
  it.each(rows)('%s', (_name, row) => {
    const names = row.names ?? NAMES;
    const renewal = step(row.observed, row.now, names);
    expect(renewal.changes.map((change) => `${change.part}:${change.action}:${change.reason}`)).toEqual(row.changes);
    expect(violations(renewal.files, names, row.now)).toEqual([]);
    const observedFile = (part: keyof CertificateFiles, file: string) => (row.observed[part] as Record<string, string> | undefined)?.[file];
    for (const [part, file] of ALL) {
      const same = renewal.files[part][file as keyof CertificateFiles[typeof part]] === observedFile(part, file);
      expect([`${part}/${file}`, same]).toEqual([`${part}/${file}`, row.kept.some(([p, f]) => p === part && f === file)]);
    }
    if (row.signers) {
      expect(issuerIndex(renewal.files.server['tls.crt'], renewal.files.ca['ca.crt'])).toBe(row.signers.server);
      expect(issuerIndex(renewal.files.client['tls.crt'], renewal.files.ca['ca.crt'])).toBe(row.signers.client);
    }
    if (row.bundleSize !== undefined) expect(certificatesIn(renewal.files.ca['ca.crt'])).toHaveLength(row.bundleSize);

    // Idempotence: the answer, observed, is answered with itself.
    const again = step(renewal.files, row.now, names);
    expect(again.changes).toEqual([]);
    expect(again.files).toEqual(renewal.files);
  });
});

describe('when the next check is due', () => {
  it.each([
    ['a fresh set: when its leaves reach two thirds of their life', {} as ObservedFiles, T0],
    ['after a rollover', beforeRollover, at(rollover)],
    ['with an old CA in the bundle that expires first', beforeOldCaExpiry, at(oldCaExpiry - 5 * DAY)],
  ])('%s', (_name, observed, now) => {
    const renewal = step(observed, now);
    const next = renewal.nextCheck.getTime();
    expect(next).toBeGreaterThan(now.getTime());
    // Nothing is due a second before, something is due at that time.
    expect(step(renewal.files, at(next - 1000)).changes).toEqual([]);
    expect(step(renewal.files, at(next)).changes).not.toEqual([]);
  });

  it('reports when the CA and the leaves expire', () => {
    const renewal = step({}, T0);
    expect(renewal.notAfter.ca).toEqual(new Date('2034-12-31T23:55:00Z'));
    expect(renewal.notAfter.server).toEqual(new Date('2025-12-31T23:55:00Z'));
    expect(renewal.notAfter.client).toEqual(new Date('2025-12-31T23:55:00Z'));
  });
});

describe('the set checker used by these tests', () => {
  it.each<[string, CertificateFiles, Date, RegExp]>([
    [
      'a server key of another set',
      { ...fresh, server: { ...fresh.server, 'tls.key': other.server['tls.key'] } },
      afterDays(1),
      /server tls.key does not match/,
    ],
    ['a foreign bundle', { ...fresh, client: { ...fresh.client, 'ca.crt': other.ca['ca.crt'] } }, afterDays(1), /the three ca.crt differ/],
    ['leaves due for renewal', fresh, afterDays(300), /server is due for renewal/],
    ['an expired set', fresh, afterDays(400), /server tls.crt does not chain/],
    ['swapped leaves', { ...fresh, server: fresh.client, client: fresh.server }, afterDays(1), /server extended key usage/],
    ['garbage', { ...fresh, ca: { 'ca.crt': 'x', 'ca.key': 'y' } }, afterDays(1), /ca.crt holds no certificate|does not parse/],
  ])('finds %s', (_name, files, now, problem) => {
    expect(violations(files, NAMES, now).join('\n')).toMatch(problem);
  });
});
