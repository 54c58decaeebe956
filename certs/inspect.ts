import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate as Asn1Certificate, id_ce_subjectKeyIdentifier, SubjectKeyIdentifier, type Name } from '@peculiar/asn1-x509';

/**
 * Parsing of observed PEM text (files on disk, Secret data). Nothing here throws: what
 * cannot be parsed is reported as absent, and the renewal rules re-issue it.
 */

export interface CertificateFields {
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyId: Buffer | undefined;
}

export interface Certificate {
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  /** The certificate in the PEM form this project writes. */
  readonly pem: string;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END CERTIFICATE-----\r?\n?/g;
const PRIVATE_KEY_BLOCK = /^-----BEGIN (EC |)PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]*?-----END \1PRIVATE KEY-----\s*$/;

export interface ParsedCertificates {
  readonly certificates: readonly Certificate[];
  /** True when the text holds nothing but certificates that parse (and whitespace). */
  readonly clean: boolean;
}

/** Every certificate in a PEM text (a bundle or a single certificate). */
export function parseCertificates(text: string | undefined): ParsedCertificates {
  if (text === undefined) return { certificates: [], clean: false };
  const certificates: Certificate[] = [];
  let clean = true;
  for (const match of text.matchAll(CERTIFICATE_BLOCK)) {
    const parsed = parseCertificate(Buffer.from((match[1] as string).replace(/\s/g, ''), 'base64'));
    if (parsed) certificates.push(parsed);
    else clean = false;
  }
  if (text.replace(CERTIFICATE_BLOCK, '').trim() !== '') clean = false;
  return { certificates, clean: clean && certificates.length > 0 };
}

function parseCertificate(encoded: Buffer): Certificate | undefined {
  try {
    const x509 = new X509Certificate(encoded);
    const fields = readCertificate(x509.raw);
    return { x509, fields, pem: pemOf(x509.raw) };
  } catch {
    return undefined;
  }
}

/** An ECDSA P-256 private key: a single PEM block (PKCS #8 or SEC 1), else undefined. */
export function parsePrivateKey(text: string | undefined): KeyObject | undefined {
  if (text === undefined || !PRIVATE_KEY_BLOCK.test(text)) return undefined;
  try {
    const key = createPrivateKey(text);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of a certificate that Node's X509Certificate does not expose as values:
 * the subject (a leaf's issuer must repeat it), the exact validity and the subject key
 * identifier. Throws on what is not a certificate; callers parse only what Node's
 * X509Certificate has already accepted.
 */
export function readCertificate(raw: Buffer): CertificateFields {
  const key = raw.toString('base64');
  const known = readCertificates.get(key);
  if (known) return known;
  const fields = decodeCertificate(raw);
  if (readCertificates.size >= READ_CACHE_SIZE) readCertificates.clear();
  readCertificates.set(key, fields);
  return fields;
}

/**
 * The certificates hook reads the same observed Secrets on every sync, and decoding with
 * asn1-schema costs about a millisecond a certificate: the fields of recent certificates are
 * kept (a pure function of the bytes, so nothing can go stale).
 */
const READ_CACHE_SIZE = 256;
const readCertificates = new Map<string, CertificateFields>();

function decodeCertificate(raw: Buffer): CertificateFields {
  const { tbsCertificate: tbs } = AsnConvert.parse(raw, Asn1Certificate);
  const subjectKeyId = tbs.extensions?.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  return {
    subject: tbs.subject,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    subjectKeyId: subjectKeyId && Buffer.from(AsnConvert.parse(subjectKeyId.extnValue, SubjectKeyIdentifier).buffer),
  };
}

export function pemOf(encoded: Buffer): string {
  const lines = encoded.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
