import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
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
  readonly subject: Name;
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
} as const;

export const EXTENDED_KEY_USAGE = { serverAuth: id_kp_serverAuth, clientAuth: id_kp_clientAuth } as const;

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
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)),
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) })),
    ],
  });
  return { certificate, privateKey: pemKey(keys.privateKey) };
}

export function issueServerLeaf(authority: Authority, names: ServerNames, context: IssueContext): Issued {
  const alternativeNames = new SubjectAlternativeName([
    ...names.dnsNames.map((dNSName) => new GeneralName({ dNSName })),
    ...names.ipAddresses.map((iPAddress) => new GeneralName({ iPAddress })),
  ]);
  return issueLeaf(authority, context, names.dnsNames[2] ?? names.dnsNames[0] ?? 'server', id_kp_serverAuth, [
    extension(id_ce_subjectAltName, false, alternativeNames),
  ]);
}

export function issueClientLeaf(authority: Authority, context: IssueContext): Issued {
  return issueLeaf(authority, context, CLIENT_COMMON_NAME, id_kp_clientAuth, []);
}

function issueLeaf(authority: Authority, context: IssueContext, commonName: string, usage: string, more: readonly Extension[]): Issued {
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
      extension(id_ce_basicConstraints, true, new BasicConstraints()),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([usage])),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subjectKeyId(keys.publicKey))),
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(authority.keyId) })),
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
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly signingKey: KeyObject;
  readonly extensions: readonly Extension[];
}

function signCertificate(fields: CertificateFields): string {
  const algorithm = new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 });
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBuffer(fields.serial),
    signature: algorithm,
    issuer: fields.issuer,
    validity: new Validity({ notBefore: encodable(fields.notBefore), notAfter: encodable(fields.notAfter) }),
    subject: fields.subject,
    subjectPublicKeyInfo: publicKeyInfo(fields.publicKey),
    extensions: new Extensions([...fields.extensions]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), fields.signingKey);
  const certificate = new Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: arrayBuffer(signature) });
  return pemOf(Buffer.from(AsnConvert.serialize(certificate)));
}

/** DER omits a BOOLEAN that equals its DEFAULT, so a non-critical extension carries no flag. */
function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (Validity chooses), whole seconds, Zulu. */
function encodable(date: Date): Date {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`cannot encode year ${year} in a certificate`);
  return date;
}

const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

function name(commonName: string): Name {
  const attribute = (type: string, utf8String: string) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String }) })]);
  return new Name([attribute(OID.organization, ORGANIZATION), attribute(OID.commonName, commonName)]);
}

function publicKeyInfo(publicKey: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function subjectKeyId(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(Buffer.from(publicKeyInfo(publicKey).subjectPublicKey))
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
