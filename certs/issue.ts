import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';
import { pemOf, readCertificate } from './inspect.js';

/**
 * Issuance of the scaler's mTLS certificates: a CA, a server leaf and a client leaf, all
 * ECDSA P-256 signed with SHA-256. Pure given the clock and the randomness passed in: the
 * only other input is OpenSSL's signing, which Node runs synchronously.
 */

export const CA_LIFETIME_YEARS = 10;
export const LEAF_LIFETIME_YEARS = 1;
/** notBefore is set this far in the past so that peers whose clocks lag accept a new certificate. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const ORGANIZATION = 'keda-kaito-scaler';
export const CLIENT_COMMON_NAME = 'keda-kaito-scaler-client';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Where new keys and serial numbers come from; tests pass their own. */
export interface Randomness {
  /** A fresh ECDSA P-256 key pair. */
  keyPair(): KeyPair;
  bytes(count: number): Buffer;
}

export const systemRandomness: Randomness = {
  keyPair: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  bytes: (count) => randomBytes(count),
};

export interface IssueContext {
  readonly now: Date;
  readonly random: Randomness;
}

/** A certificate and its private key, both PEM. */
export interface Issued {
  readonly certificate: string;
  readonly privateKey: string;
}

/** A CA that can sign: its certificate, its key, and what leaves copy from it. */
export interface Authority {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  readonly subject: Buffer;
  readonly keyId: Buffer;
  readonly notAfter: Date;
}

export interface ServerNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Every name a client in the cluster may use for the Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** The Service's DNS names plus extra DNS names or IP addresses, without duplicates. */
export function serverNames(service: string, namespace: string, extra: readonly string[] = []): ServerNames {
  const ipAddresses = extra.filter((name) => isIP(name) !== 0).map(canonicalIp);
  const dnsNames = [...serviceDnsNames(service, namespace), ...extra.filter((name) => isIP(name) === 0).map((name) => name.toLowerCase())];
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export const EXTENDED_KEY_USAGE = { serverAuth: OID.serverAuth, clientAuth: OID.clientAuth } as const;

export function issueAuthority(context: IssueContext): Issued {
  const keys = context.random.keyPair();
  const notBefore = backdated(context.now);
  // Distinct subjects keep a renewed CA and the one it replaces apart in every trust store.
  const subject = name(`${ORGANIZATION}-ca@${Math.floor(context.now.getTime() / 1000)}`);
  const keyId = subjectKeyId(keys.publicKey);
  const certificate = signCertificate({
    serial: serial(context.random),
    issuer: subject,
    subject,
    notBefore,
    notAfter: addYears(notBefore, CA_LIFETIME_YEARS),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true), der.smallInteger(0))),
      extension(OID.keyUsage, true, keyUsage({ digitalSignature: true, keyCertSign: true, cRLSign: true })),
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyId)),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, keyId))),
    ],
  });
  return { certificate, privateKey: pemKey(keys.privateKey) };
}

export function issueServerLeaf(authority: Authority, names: ServerNames, context: IssueContext): Issued {
  const alternativeNames = [
    ...names.dnsNames.map((dns) => der.implicit(2, Buffer.from(dns, 'ascii'))),
    ...names.ipAddresses.map((ip) => der.implicit(7, ipBytes(ip))),
  ];
  return issueLeaf(authority, context, names.dnsNames[2] ?? names.dnsNames[0] ?? 'server', OID.serverAuth, [
    extension(OID.subjectAltName, false, der.sequence(...alternativeNames)),
  ]);
}

export function issueClientLeaf(authority: Authority, context: IssueContext): Issued {
  return issueLeaf(authority, context, CLIENT_COMMON_NAME, OID.clientAuth, []);
}

function issueLeaf(authority: Authority, context: IssueContext, commonName: string, usage: string, more: Buffer[]): Issued {
  const keys = context.random.keyPair();
  const notBefore = backdated(context.now);
  const oneYear = addYears(notBefore, LEAF_LIFETIME_YEARS);
  // A leaf never outlives the CA that vouches for it.
  const notAfter = oneYear.getTime() > authority.notAfter.getTime() ? authority.notAfter : oneYear;
  const certificate = signCertificate({
    serial: serial(context.random),
    issuer: authority.subject,
    subject: name(commonName),
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: authority.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, keyUsage({ digitalSignature: true })),
      extension(OID.extKeyUsage, false, der.sequence(der.oid(usage))),
      extension(OID.subjectKeyIdentifier, false, der.octetString(subjectKeyId(keys.publicKey))),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, authority.keyId))),
      ...more,
    ],
  });
  return { certificate, privateKey: pemKey(keys.privateKey) };
}

/** An Authority from a CA certificate and its key (the caller has checked that they match). */
export function toAuthority(certificate: X509Certificate, privateKey: KeyObject): Authority {
  const fields = readCertificate(certificate.raw);
  return {
    certificate,
    privateKey,
    subject: fields.subject,
    keyId: fields.subjectKeyId ?? subjectKeyId(certificate.publicKey),
    notAfter: fields.notAfter,
  };
}

interface CertificateFields {
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly signingKey: KeyObject;
  readonly extensions: readonly Buffer[];
}

function signCertificate(fields: CertificateFields): string {
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(fields.serial),
    algorithm,
    fields.issuer,
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    fields.subject,
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...fields.extensions)),
  );
  const signature = sign('sha256', tbs, fields.signingKey);
  return pemOf(der.sequence(tbs, algorithm, der.bitString(signature)));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // DER omits a BOOLEAN that equals its DEFAULT (critical FALSE).
  return critical ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value)) : der.sequence(der.oid(id), der.octetString(value));
}

const KEY_USAGE_BITS = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** KeyUsage is a named BIT STRING: DER drops trailing zero bits and counts them as unused. */
function keyUsage(usages: Partial<Record<keyof typeof KEY_USAGE_BITS, true>>): Buffer {
  const bits = Object.keys(usages).map((usage) => KEY_USAGE_BITS[usage as keyof typeof KEY_USAGE_BITS]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  const unused = 7 - (highest % 8);
  return der.tlv(der.TAG.bitString, Buffer.concat([Buffer.of(unused), bytes]));
}

function name(commonName: string): Buffer {
  const attribute = (id: string, value: string) => der.set(der.sequence(der.oid(id), der.utf8String(value)));
  return der.sequence(attribute(OID.organization, ORGANIZATION), attribute(OID.commonName, commonName));
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function subjectKeyId(publicKey: KeyObject): Buffer {
  const spki = der.children(publicKey.export({ type: 'spki', format: 'der' }));
  const [, bits] = der.children((spki[0] as der.Element).content);
  return createHash('sha1')
    .update((bits as der.Element).content.subarray(1))
    .digest();
}

/** 127 random bits: positive, at most 20 octets (RFC 5280 4.1.2.2), never zero. */
function serial(random: Randomness): Buffer {
  const bytes = Buffer.from(random.bytes(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return bytes;
}

function backdated(now: Date): Date {
  return new Date(Math.floor((now.getTime() - CLOCK_SKEW_MS) / 1000) * 1000);
}

export function addYears(date: Date, years: number): Date {
  const later = new Date(date.getTime());
  later.setUTCFullYear(later.getUTCFullYear() + years);
  return later;
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two groups.
  const embedded = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (embedded) {
    const v4 = ipBytes(embedded[2] as string);
    return ipBytes(`${embedded[1]}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`);
  }
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = ip.includes('::') ? [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)] : groups(head);
  return Buffer.concat(all.map((group) => Buffer.from(group.padStart(4, '0'), 'hex')));
}

/** The form OpenSSL prints (and Node's subjectAltName shows): IPv6 in full, upper case. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  const bytes = ipBytes(ip);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16).toUpperCase());
  return groups.join(':');
}

function pemKey(privateKey: KeyObject): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
