import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, id_kp_clientAuth, id_kp_serverAuth } from '@peculiar/asn1-x509';
import {
  CLOCK_SKEW_MS,
  issueAuthority,
  issueClientLeaf,
  issueServerLeaf,
  serverNames,
  systemRandomness,
  toAuthority,
  type Issued,
  type IssueContext,
  type Randomness,
} from '../../certs/issue.js';
import { handshake, OK } from './tls.js';
import { decode, keyMatches } from './x509.js';

const NOW = new Date('2025-03-10T12:34:56.789Z');
const context = (now: Date = NOW, random: Randomness = systemRandomness): IssueContext => ({ now, random });
const authorityOf = (issued: Issued) => toAuthority(new X509Certificate(issued.certificate), createPrivateKey(issued.privateKey));
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda');

describe('serverNames', () => {
  it.each([
    ['the Service alone', 'svc', 'ns', [], ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'], []],
    [
      'with localhost and loopback (the certs command)',
      'keda-kaito-scaler-svc',
      'keda',
      ['localhost', '127.0.0.1'],
      [
        'keda-kaito-scaler-svc',
        'keda-kaito-scaler-svc.keda',
        'keda-kaito-scaler-svc.keda.svc',
        'keda-kaito-scaler-svc.keda.svc.cluster.local',
        'localhost',
      ],
      ['127.0.0.1'],
    ],
    [
      'duplicates and case folded',
      'svc',
      'ns',
      ['SVC.ns', 'Example.COM', 'example.com'],
      ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local', 'example.com'],
      [],
    ],
    [
      'IPv6 in the form OpenSSL prints',
      'svc',
      'ns',
      ['::1', 'fd00::a:1', '::ffff:10.0.0.1'],
      ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'],
      ['0:0:0:0:0:0:0:1', 'FD00:0:0:0:0:0:A:1', '0:0:0:0:0:FFFF:A00:1'],
    ],
  ])('%s', (_name, service, namespace, extra, dnsNames, ipAddresses) => {
    expect(serverNames(service, namespace, extra)).toEqual({ dnsNames, ipAddresses });
  });
});

describe('issueAuthority', () => {
  const ca = issueAuthority(context());
  const decoded = decode(ca.certificate);

  it('is a self-signed ECDSA P-256 CA that may sign leaves only', () => {
    expect(decoded.x509.ca).toBe(true);
    expect(decoded.x509.checkIssued(decoded.x509)).toBe(true);
    expect(decoded.x509.verify(decoded.x509.publicKey)).toBe(true);
    expect(decoded.x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(decoded.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
    expect(decoded.keyUsage).toEqual({ usages: ['crlSign', 'digitalSignature', 'keyCertSign'], critical: true });
    expect(decoded.extendedKeyUsage).toEqual([]);
    expect(decoded.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(decoded.authorityKeyId).toBe(decoded.subjectKeyId);
    expect(keyMatches(ca.certificate, ca.privateKey)).toBe(true);
  });

  it('lives ten years from a notBefore set back for clock skew, in whole seconds', () => {
    const notBefore = new Date(Math.floor((NOW.getTime() - CLOCK_SKEW_MS) / 1000) * 1000);
    expect(decoded.notBefore).toEqual(notBefore);
    expect(decoded.notAfter).toEqual(new Date('2035-03-10T12:29:56Z'));
  });

  it('names each CA apart, so that a renewed CA and its predecessor never share a subject', () => {
    const later = decode(issueAuthority(context(new Date(NOW.getTime() + 1000))).certificate);
    expect(later.x509.subject).not.toBe(decoded.x509.subject);
    expect(decoded.x509.subject).toBe(`O=keda-kaito-scaler\nCN=keda-kaito-scaler-ca@${Math.floor(NOW.getTime() / 1000)}`);
  });

  it('writes dates through 2049 as UTCTime and from 2050 on as GeneralizedTime (RFC 5280 4.1.2.5)', () => {
    const late = decode(issueAuthority(context(new Date('2045-06-01T00:00:00Z'))).certificate);
    expect(late.notAfter).toEqual(new Date('2055-05-31T23:55:00Z'));
    expect(new Date(late.x509.validTo)).toEqual(new Date('2055-05-31T23:55:00Z'));
    const { validity } = AsnConvert.parse(late.x509.raw, Certificate).tbsCertificate;
    expect(validity.notBefore.utcTime).toEqual(new Date('2045-05-31T23:55:00Z'));
    expect(validity.notAfter.generalTime).toEqual(new Date('2055-05-31T23:55:00Z'));
  });

  it.each(['1949-12-31T23:59:59Z', '9995-01-01T00:00:00Z'])('refuses to issue at %s, whose dates have no encoding', (iso) => {
    expect(() => issueAuthority(context(new Date(iso)))).toThrow(RangeError);
  });
});

describe('leaves', () => {
  const caIssued = issueAuthority(context());
  const ca = authorityOf(caIssued);
  const caDecoded = decode(caIssued.certificate);
  const server = issueServerLeaf(ca, NAMES, context());
  const client = issueClientLeaf(ca, context());

  it.each([
    ['server', server, [id_kp_serverAuth]],
    ['client', client, [id_kp_clientAuth]],
  ])('%s leaf: signed by the CA, not a CA, digitalSignature, its extended key usage, its own key', (_name, leaf, usage) => {
    const decoded = decode(leaf.certificate);
    expect(decoded.x509.checkIssued(caDecoded.x509)).toBe(true);
    expect(decoded.x509.verify(caDecoded.x509.publicKey)).toBe(true);
    expect(decoded.x509.ca).toBe(false);
    expect(decoded.basicConstraints).toEqual({ ca: false, pathLength: undefined, critical: true });
    expect(decoded.keyUsage).toEqual({ usages: ['digitalSignature'], critical: true });
    expect(decoded.extendedKeyUsage).toEqual(usage);
    expect(decoded.x509.keyUsage).toEqual(usage);
    expect(decoded.authorityKeyId).toBe(caDecoded.subjectKeyId);
    expect(decoded.subjectKeyId).not.toBe(caDecoded.subjectKeyId);
    expect(decoded.x509.issuer).toBe(caDecoded.x509.subject);
    expect(keyMatches(leaf.certificate, leaf.privateKey)).toBe(true);
    expect(keyMatches(leaf.certificate, caIssued.privateKey)).toBe(false);
    expect(decoded.notAfter.getTime() - decoded.notBefore.getTime()).toBe(365 * 24 * 3600 * 1000);
  });

  it('server leaf carries every DNS name of the Service and nothing else', () => {
    const decoded = decode(server.certificate);
    expect(decoded.dnsNames).toEqual(NAMES.dnsNames);
    expect(decoded.ipAddresses).toEqual([]);
    expect(decoded.x509.checkHost('keda-kaito-scaler-svc.keda.svc.cluster.local')).toBe('keda-kaito-scaler-svc.keda.svc.cluster.local');
    expect(decoded.x509.checkHost('keda-kaito-scaler-svc.other.svc')).toBeUndefined();
  });

  it('server leaf carries extra names and IP addresses', () => {
    const names = serverNames('keda-kaito-scaler-svc', 'keda', ['localhost', '127.0.0.1', '::1']);
    const decoded = decode(issueServerLeaf(ca, names, context()).certificate);
    expect(decoded.dnsNames).toEqual([...NAMES.dnsNames, 'localhost']);
    expect(decoded.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(decoded.x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('client leaf has no alternative names', () => {
    expect(decode(client.certificate).x509.subjectAltName).toBeUndefined();
  });

  it('a leaf never outlives its CA', () => {
    const nearEnd = new Date(caDecoded.notAfter.getTime() - 30 * 24 * 3600 * 1000);
    const leaf = decode(issueClientLeaf(ca, context(nearEnd)).certificate);
    expect(leaf.notAfter).toEqual(caDecoded.notAfter);
  });
});

describe('randomness is injected', () => {
  const fixed = (byte: number): Randomness => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { keyPair: () => keys, bytes: (count) => Buffer.alloc(count, byte) };
  };

  it.each([
    ['all ones: the sign bit is cleared', 0xff, `7f${'ff'.repeat(15)}`],
    ['all zeros: never a zero serial', 0x00, `01${'00'.repeat(15)}`],
  ])('serial from the injected bytes, %s', (_name, byte, serial) => {
    expect(decode(issueAuthority(context(NOW, fixed(byte))).certificate).serial.toString('hex')).toBe(serial);
  });

  it('the key pair is the injected one', () => {
    const random = fixed(1);
    const issued = issueAuthority(context(NOW, random));
    expect(new X509Certificate(issued.certificate).checkPrivateKey(random.keyPair().privateKey)).toBe(true);
  });

  it('system randomness gives distinct positive 16-byte serials and distinct keys', () => {
    const issued = Array.from({ length: 20 }, () => issueAuthority(context()));
    const serials = new Set(issued.map((ca) => decode(ca.certificate).serial.toString('hex')));
    expect(serials.size).toBe(20);
    for (const serial of serials) expect(serial).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(new Set(issued.map((ca) => ca.privateKey)).size).toBe(20);
  });
});

describe('a TLS handshake with OpenSSL verifying both sides', () => {
  // Issued now on the real clock: OpenSSL checks validity against it.
  const live = context(new Date());
  const caIssued = issueAuthority(live);
  const ca = authorityOf(caIssued);
  const names = serverNames('keda-kaito-scaler-svc', 'keda', ['localhost', '127.0.0.1']);
  const server = issueServerLeaf(ca, names, live);
  const client = issueClientLeaf(ca, live);
  const otherCa = authorityOf(issueAuthority(live));
  const foreignClient = issueClientLeaf(otherCa, live);
  const serverSide = { ca: caIssued.certificate, cert: server.certificate, key: server.privateKey };
  const clientSide = { ca: caIssued.certificate, cert: client.certificate, key: client.privateKey };

  it.each([
    ['by the Service FQDN', 'keda-kaito-scaler-svc.keda.svc.cluster.local'],
    ['by the short name', 'keda-kaito-scaler-svc'],
    ['by localhost', 'localhost'],
    ['by 127.0.0.1', undefined],
  ])('succeeds %s', async (_name, servername) => {
    await expect(handshake(serverSide, clientSide, servername)).resolves.toEqual(OK);
  });

  it.each([
    ['a client without a certificate', { ca: caIssued.certificate }],
    ['a client certificate of another CA', { ca: caIssued.certificate, cert: foreignClient.certificate, key: foreignClient.privateKey }],
    [
      'the server certificate used as a client certificate (serverAuth only)',
      { ca: caIssued.certificate, cert: server.certificate, key: server.privateKey },
    ],
  ])('is refused by the server for %s', async (_name, credentials) => {
    const exchange = await handshake(serverSide, credentials);
    expect(exchange.server).not.toBe('ok');
    expect(exchange.client).not.toBe('ok');
  });

  it('is refused by a client that does not trust the CA', async () => {
    const other = issueAuthority(live);
    expect((await handshake(serverSide, { ...clientSide, ca: other.certificate })).client).toMatch(
      /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/,
    );
  });

  it('is refused for a name the server certificate does not carry', async () => {
    expect((await handshake(serverSide, clientSide, 'keda-kaito-scaler-svc.other.svc')).client).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('is refused when the client certificate is used as a server certificate (clientAuth only)', async () => {
    const wrongServer = { ca: caIssued.certificate, cert: client.certificate, key: client.privateKey };
    expect((await handshake(wrongServer, clientSide, undefined)).client).toBe('INVALID_PURPOSE');
  });
});
