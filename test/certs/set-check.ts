import { X509Certificate, createPrivateKey } from 'node:crypto';
import { id_kp_clientAuth, id_kp_serverAuth } from '@peculiar/asn1-x509';
import type { ServerNames } from '../../certs/issue.js';
import type { CertificateFiles } from '../../certs/renew.js';
import { certificatesIn, decode, trustedBy, validAt } from './x509.js';

/**
 * Everything a certificate set must be at `now`, checked with OpenSSL (Node's
 * X509Certificate) and @peculiar/asn1-x509. Returns the violations (empty when sound), so
 * that a failing test names them all.
 */
export function violations(files: CertificateFiles, names: ServerNames, now: Date): string[] {
  const found: string[] = [];
  const check = (condition: boolean, message: string) => {
    if (!condition) found.push(message);
  };
  try {
    const bundle = files.ca['ca.crt'];
    const cas = certificatesIn(bundle);
    check(cas.length >= 1, 'ca.crt holds no certificate');
    check(cas.map((ca) => ca.toString()).join('') === bundle, 'ca.crt is not just its certificates');
    check(files.server['ca.crt'] === bundle && files.client['ca.crt'] === bundle, 'the three ca.crt differ');
    for (const [index, ca] of cas.entries()) {
      check(ca.ca, `bundle member ${ca.subject} is not a CA`);
      // An earlier CA may be not yet valid by this clock (it went back): peers with the right time still need it.
      const usable = index === 0 ? validAt(ca, now) : now.getTime() < new Date(ca.validTo).getTime();
      check(usable, `bundle member ${ca.subject} is not valid at ${now.toISOString()}`);
      check(ca.checkIssued(ca) && ca.verify(ca.publicKey), `bundle member ${ca.subject} is not self-signed`);
    }
    const current = cas[0] as X509Certificate;
    check(current.checkPrivateKey(createPrivateKey(files.ca['ca.key'])), 'ca.key does not match the first certificate of ca.crt');
    const caDecoded = decode(current.toString());
    check(caDecoded.basicConstraints?.ca === true && caDecoded.keyUsage?.usages.includes('keyCertSign') === true, 'the CA may not sign');
    check(remainingShare(caDecoded.notBefore, caDecoded.notAfter, now) > 1 / 3, 'the CA is due for renewal');

    for (const [part, usage] of [
      ['server', id_kp_serverAuth],
      ['client', id_kp_clientAuth],
    ] as const) {
      const leaf = files[part];
      check(certificatesIn(leaf['tls.crt']).length === 1, `${part} tls.crt is not one certificate`);
      const decoded = decode(leaf['tls.crt']);
      check(decoded.x509.checkPrivateKey(createPrivateKey(leaf['tls.key'])), `${part} tls.key does not match tls.crt`);
      check(trustedBy(leaf['tls.crt'], bundle, now), `${part} tls.crt does not chain to the bundle at ${now.toISOString()}`);
      check(decoded.basicConstraints?.ca === false, `${part} is a CA`);
      check(JSON.stringify(decoded.keyUsage) === JSON.stringify({ usages: ['digitalSignature'], critical: true }), `${part} key usage`);
      check(JSON.stringify(decoded.extendedKeyUsage) === JSON.stringify([usage]), `${part} extended key usage`);
      check(remainingShare(decoded.notBefore, decoded.notAfter, now) > 1 / 3, `${part} is due for renewal`);
      if (part === 'server') {
        check(JSON.stringify(decoded.dnsNames) === JSON.stringify(names.dnsNames), `server DNS names ${decoded.dnsNames.join(',')}`);
        check(decoded.ipAddresses.length === names.ipAddresses.length, `server IP addresses ${decoded.ipAddresses.join(',')}`);
      }
    }
  } catch (error) {
    found.push(`does not parse: ${(error as Error).message}`);
  }
  return found;
}

function remainingShare(notBefore: Date, notAfter: Date, now: Date): number {
  return (notAfter.getTime() - now.getTime()) / (notAfter.getTime() - notBefore.getTime());
}

/** The CA of the bundle that signed this leaf, by position (0: current), or -1. */
export function issuerIndex(leafPem: string, bundle: string): number {
  const leaf = new X509Certificate(leafPem);
  return certificatesIn(bundle).findIndex((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}
