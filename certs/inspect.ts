import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as der from './der.js';

/**
 * Parsing of observed PEM text (files on disk, Secret data). Nothing here throws: what
 * cannot be parsed is reported as absent, and the renewal rules re-issue it.
 */

export interface CertificateFields {
  readonly subject: Buffer;
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

const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/**
 * The fields of a certificate that Node's X509Certificate does not expose as values:
 * the encoded subject (a leaf's issuer must repeat it byte for byte), the exact validity
 * and the subject key identifier.
 */
export function readCertificate(raw: Buffer): CertificateFields {
  const [tbs] = der.children(raw);
  if (!tbs || tbs.tag !== der.TAG.sequence) throw new Error('not a certificate');
  const fields = der.children((der.children(tbs.content)[0] as der.Element).content);
  // version [0] is optional (v1 certificates omit it).
  const offset = fields[0]?.tag === der.explicitTag(0) ? 1 : 0;
  const validity = fields[offset + 3];
  const subject = fields[offset + 4];
  if (!validity || !subject) throw new Error('truncated certificate');
  const [notBefore, notAfter] = der.children(validity.content).map(readTime);
  if (!notBefore || !notAfter) throw new Error('certificate without validity');
  const extensions = fields.find((field) => field.tag === der.explicitTag(3));
  return { subject: Buffer.from(subject.encoded), notBefore, notAfter, subjectKeyId: extensions && findSubjectKeyId(extensions) };
}

function findSubjectKeyId(extensions: der.Element): Buffer | undefined {
  const list = der.children((der.children(extensions.content)[0] as der.Element).content);
  for (const extension of list) {
    const parts = der.children(extension.content);
    if (parts[0] && der.decodeOid(parts[0].content) === SUBJECT_KEY_IDENTIFIER) {
      const value = parts[parts.length - 1] as der.Element;
      return Buffer.from((der.children(value.content)[0] as der.Element).content);
    }
  }
  return undefined;
}

function readTime(element: der.Element): Date {
  const text = element.content.toString('ascii');
  const utc = element.tag === der.TAG.utcTime;
  const match =
    utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
  if (!match) throw new Error(`unsupported time ${text}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const year = utc ? ((y as number) < 50 ? 2000 + (y as number) : 1900 + (y as number)) : (y as number);
  return new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
}

export function pemOf(encoded: Buffer): string {
  const lines = encoded.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
