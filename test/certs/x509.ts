import { X509Certificate, createPrivateKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';

/**
 * Test-side reading of certificates: Node's X509Certificate (OpenSSL, which shares nothing
 * with certs/) for chains, names and keys, and @peculiar/asn1-x509 for the extension
 * details Node does not expose (key usage bits, critical flags). certs/ writes with
 * asn1-x509 too, so OpenSSL's handshakes (./tls.ts) remain the independent check.
 */

export interface Decoded {
  readonly x509: X509Certificate;
  readonly serial: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | undefined; readonly critical: boolean } | undefined;
  readonly keyUsage: { readonly usages: readonly string[]; readonly critical: boolean } | undefined;
  readonly extendedKeyUsage: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly subjectKeyId: string | undefined;
  readonly authorityKeyId: string | undefined;
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g;

export function certificatesIn(bundle: string): X509Certificate[] {
  return (bundle.match(PEM) ?? []).map((pem) => new X509Certificate(pem));
}

export function decode(pem: string): Decoded {
  const x509 = new X509Certificate(pem);
  const { tbsCertificate: tbs } = AsnConvert.parse(x509.raw, Certificate);
  const extension = (id: string) => tbs.extensions?.find((candidate) => candidate.extnID === id);
  const parse = <T>(id: string, type: new () => T): { value: T; critical: boolean } | undefined => {
    const found = extension(id);
    return found ? { value: AsnConvert.parse(found.extnValue, type), critical: found.critical } : undefined;
  };
  const basic = parse(id_ce_basicConstraints, BasicConstraints);
  const usage = parse(id_ce_keyUsage, KeyUsage);
  const names = parse(id_ce_subjectAltName, SubjectAlternativeName)?.value ?? [];
  const subjectKeyId = parse(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier)?.value;
  const authorityKeyId = parse(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier)?.value.keyIdentifier;
  return {
    x509,
    serial: Buffer.from(tbs.serialNumber),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    basicConstraints: basic && { ca: basic.value.cA, pathLength: basic.value.pathLenConstraint, critical: basic.critical },
    keyUsage: usage && { usages: [...usage.value.toJSON()].sort(), critical: usage.critical },
    extendedKeyUsage: [...(parse(id_ce_extKeyUsage, ExtendedKeyUsage)?.value ?? [])],
    dnsNames: names.flatMap((name) => (name.dNSName === undefined ? [] : [name.dNSName])),
    ipAddresses: names.flatMap((name) => (name.iPAddress === undefined ? [] : [String(name.iPAddress)])),
    subjectKeyId: subjectKeyId && Buffer.from(subjectKeyId.buffer).toString('hex'),
    authorityKeyId: authorityKeyId && Buffer.from(authorityKeyId.buffer).toString('hex'),
  };
}

export function keyMatches(certificatePem: string, keyPem: string): boolean {
  return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem));
}

export function validAt(certificate: X509Certificate, at: Date): boolean {
  return new Date(certificate.validFrom).getTime() <= at.getTime() && at.getTime() < new Date(certificate.validTo).getTime();
}

/**
 * True when `leafPem` chains to a CA of `bundle` that is valid at `at`, the leaf being
 * valid too: what a TLS peer holding `bundle` checks (chains here are one level deep).
 */
export function trustedBy(leafPem: string, bundle: string, at: Date): boolean {
  const leaf = new X509Certificate(leafPem);
  if (!validAt(leaf, at)) return false;
  return certificatesIn(bundle).some((ca) => ca.ca && validAt(ca, at) && leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}
