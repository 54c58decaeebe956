import { serverNames, systemRandomness } from '../../certs/issue.js';
import { renew, type CertificateFiles, type ObservedFiles } from '../../certs/renew.js';
import { handshake, OK, type Credentials } from './tls.js';
import { certificatesIn } from './x509.js';

/**
 * A CA rollover seen by OpenSSL: peers holding the Secrets of different steps (as KEDA and
 * the scaler Pods do while kubelet and KEDA catch up) talk mutual TLS. The set is dated so
 * that its CA is due for renewal today, on the real clock that OpenSSL checks.
 */

const DAY = 24 * 3600 * 1000;
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda', ['localhost', '127.0.0.1']);
const today = Date.now();
const step = (observed: ObservedFiles, now: number) => renew(observed, NAMES, { now: new Date(now), random: systemRandomness });

// Two thirds of ten years (3652 days) ago, plus a day: the CA came due yesterday.
const born = step({}, today - 2436 * DAY).files;
const beforeRollover = step(born, today - 10 * DAY);
const rollover = step(beforeRollover.files, today);
// Leaves signed by the new CA: what the next leaf renewal, months later, hands out.
const afterRollover = step({ ca: rollover.files.ca }, today).files;

const asServer = (files: CertificateFiles): Credentials => ({
  ca: files.server['ca.crt'],
  cert: files.server['tls.crt'],
  key: files.server['tls.key'],
});
const asClient = (files: CertificateFiles): Credentials => ({
  ca: files.client['ca.crt'],
  cert: files.client['tls.crt'],
  key: files.client['tls.key'],
});

describe('CA rollover under mutual TLS', () => {
  it('the set was dated right: before, one CA; at the rollover, two, the old one still signing', () => {
    expect(beforeRollover.changes.map((change) => change.reason)).toEqual(['Expired', 'Expired']);
    expect(rollover.changes.map((change) => `${change.part}:${change.reason}`)).toEqual([
      'ca:NearExpiry',
      'server:CaRenewed',
      'client:CaRenewed',
    ]);
    expect(certificatesIn(beforeRollover.files.ca['ca.crt'])).toHaveLength(1);
    expect(certificatesIn(rollover.files.ca['ca.crt'])).toHaveLength(2);
  });

  const stages = { before: beforeRollover.files, rollover: rollover.files, after: afterRollover };
  it.each<[string, keyof typeof stages, keyof typeof stages]>([
    ['both before', 'before', 'before'],
    ['a client (KEDA) that has not re-read its Secret, a server that has', 'rollover', 'before'],
    ['a server Pod that kubelet has not refreshed yet, a client that re-read', 'before', 'rollover'],
    ['both at the rollover', 'rollover', 'rollover'],
    ['a server with leaves of the new CA, a client of the rollover step', 'after', 'rollover'],
    ['a server of the rollover step, a client with leaves of the new CA', 'rollover', 'after'],
    ['both with leaves of the new CA', 'after', 'after'],
  ])('accepted: %s', async (_name, server, client) => {
    await expect(handshake(asServer(stages[server]), asClient(stages[client]))).resolves.toEqual(OK);
  });

  // Why the new CA signs nothing for months after the rollover: a peer that skipped the
  // rollover step entirely cannot verify its certificates.
  it.each<[string, keyof typeof stages, keyof typeof stages, 'server' | 'client']>([
    ['a client that never re-read, against leaves of the new CA', 'after', 'before', 'client'],
    ['a server never refreshed, against a client leaf of the new CA', 'before', 'after', 'server'],
  ])('refused: %s', async (_name, server, client, refuser) => {
    const exchange = await handshake(asServer(stages[server]), asClient(stages[client]));
    expect(exchange[refuser]).not.toBe('ok');
  });
});
