import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_BUNDLE_BYTES, MAX_BUNDLE_CERTIFICATES } from '../../certs/bundle-limits.js';
import { checkTlsFiles, readTlsFiles, ReloadableServerCredentials, startTlsSource, type TlsFiles } from '../../scaler/tls.js';
import { captureLog, eventually, tempDir } from './helpers.js';
import { createAuthority, writeTlsDir, type Pem, type TestAuthority } from './pki.js';

const DAY = 24 * 60 * 60 * 1000;
let ca: TestAuthority;
let other: TestAuthority;
let server: Pem;
let otherServer: Pem;

beforeAll(async () => {
  ca = createAuthority();
  other = createAuthority();
  server = ca.serverLeaf();
  otherServer = other.serverLeaf();
});

const files = (overrides: Partial<Record<keyof TlsFiles, string | undefined>> = {}): TlsFiles => {
  const text = { ca: ca.certificate, cert: server.certificate, key: server.privateKey, ...overrides };
  return {
    ...(text.ca !== undefined && { ca: Buffer.from(text.ca) }),
    ...(text.cert !== undefined && { cert: Buffer.from(text.cert) }),
    ...(text.key !== undefined && { key: Buffer.from(text.key) }),
  };
};

describe('checkTlsFiles', () => {
  it('accepts a CA bundle, a server certificate and its key', () => {
    const result = checkTlsFiles(files(), Date.now());
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ authorities: 1, subject: expect.stringContaining('CN=keda-kaito-scaler-svc') }),
    });
  });

  it('counts every CA of a bundle (a CA rollover keeps the old beside the new)', () => {
    const result = checkTlsFiles(files({ ca: `${ca.certificate}\n${other.certificate}` }), Date.now());
    expect(result.ok && result.value.authorities).toBe(2);
  });

  const bad: Array<[string, () => TlsFiles, number, string, RegExp]> = [
    [
      'no files',
      () => files({ ca: undefined, cert: undefined, key: undefined }),
      0,
      'TlsFilesMissing',
      /^missing or empty: ca.crt, tls.crt, tls.key$/,
    ],
    ['no key', () => files({ key: undefined }), 0, 'TlsFilesMissing', /^missing or empty: tls.key$/],
    ['empty CA file', () => files({ ca: '' }), 0, 'TlsFilesMissing', /ca.crt/],
    ['CA file without a certificate', () => files({ ca: 'hello' }), 0, 'InvalidCaBundle', /ca.crt holds no PEM certificate/],
    [
      'CA bundle with a broken second certificate',
      () => files({ ca: `${ca.certificate}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n` }),
      0,
      'InvalidCaBundle',
      /certificate 2 of 2 cannot be parsed/,
    ],
    ['certificate is garbage', () => files({ cert: 'not a certificate' }), 0, 'InvalidCertificate', /tls.crt cannot be parsed/],
    ['key is garbage', () => files({ key: 'not a key' }), 0, 'InvalidPrivateKey', /tls.key cannot be parsed/],
    [
      'key of another certificate',
      () => files({ key: otherServer.privateKey }),
      0,
      'KeyMismatch',
      /tls.key is not the key of the certificate in tls.crt/,
    ],
    [
      'a pair from another CA',
      () => files({ cert: otherServer.certificate, key: otherServer.privateKey }),
      0,
      'UntrustedCertificate',
      /^tls.crt \(.*CN=keda-kaito-scaler-svc.*\) is not signed by a CA in ca.crt: clients that trust ca.crt would refuse it$/,
    ],
    [
      'a pair from another CA, that CA kept beside in tls.crt',
      () => files({ cert: `${otherServer.certificate}\n${other.certificate}`, key: otherServer.privateKey }),
      0,
      'UntrustedCertificate',
      /is not signed by a CA in ca.crt/,
    ],
    [
      'more CAs than a rollover needs',
      () => files({ ca: `${ca.certificate}\n`.repeat(MAX_BUNDLE_CERTIFICATES + 1) }),
      0,
      'BundleTooLarge',
      /^ca.crt holds 33 certificates; at most 32 are read$/,
    ],
    [
      'a CA bundle of more bytes than read',
      () => files({ ca: `${ca.certificate}\n${'#'.repeat(MAX_BUNDLE_BYTES)}` }),
      0,
      'BundleTooLarge',
      /^ca.crt has \d+ bytes; at most 262144 are read$/,
    ],
    [
      'a certificate file of more bytes than read',
      () => files({ cert: `${server.certificate}\n${'#'.repeat(MAX_BUNDLE_BYTES)}` }),
      0,
      'BundleTooLarge',
      /^tls.crt has \d+ bytes/,
    ],
    ['certificate expired', () => files(), 400 * DAY, 'CertificateExpired', /tls.crt expired at/],
    ['certificate not yet valid', () => files(), -400 * DAY, 'CertificateNotYetValid', /tls.crt is valid only from/],
  ];
  it.each(bad)('%s', (_name, input, shift, reason, message) => {
    const result = checkTlsFiles(input(), Date.now() + shift);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe(reason);
      expect(result.problem.message).toMatch(message);
    }
  });
});

/** Lays out `dir` as kubelet mounts a Secret: files in a timestamped folder, `..data` pointing at it, names linked through it. */
async function kubeletWrite(dir: string, version: string, authorities: Pem[], leaf: Pem, first: boolean): Promise<void> {
  const folder = `..${version}`;
  await writeTlsDir(join(dir, folder), authorities, leaf);
  await symlink(folder, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (first) for (const name of ['ca.crt', 'tls.crt', 'tls.key']) await symlink(join('..data', name), join(dir, name));
}

describe('readTlsFiles', () => {
  it('reads a plain folder, and a kubelet-mounted Secret through ..data', async () => {
    const plain = await tempDir('tls-plain');
    const mounted = await tempDir('tls-mounted');
    try {
      await writeTlsDir(plain.path, [ca], server);
      await kubeletWrite(mounted.path, '2024_01_01', [ca], server, true);
      for (const dir of [plain.path, mounted.path]) {
        const read = await readTlsFiles(dir);
        expect(read.cert?.toString()).toBe(server.certificate);
        expect(read.key?.toString()).toBe(server.privateKey);
      }
    } finally {
      await plain.remove();
      await mounted.remove();
    }
  });

  it('returns what is there when files are missing, nothing when the folder is', async () => {
    const dir = await tempDir('tls-partial');
    try {
      await writeFile(join(dir.path, 'ca.crt'), ca.certificate);
      expect(Object.keys(await readTlsFiles(dir.path))).toEqual(['ca']);
      expect(await readTlsFiles(join(dir.path, 'absent'))).toEqual({});
    } finally {
      await dir.remove();
    }
  });
});

describe('startTlsSource', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('tls-source');
  });
  afterEach(async () => {
    await dir.remove();
  });

  const start = (path: string, log = captureLog().log, now?: () => number) => {
    const credentials = new ReloadableServerCredentials();
    const updates: unknown[] = [];
    credentials._addWatcher((options) => updates.push(options));
    return startTlsSource({ dir: path, credentials, log, debounceMs: 20, pollMs: 200, ...(now && { now }) }).then((source) => ({
      source,
      updates,
    }));
  };

  it('is not ready while the folder is missing, and loads the files once they appear', async () => {
    const path = join(dir.path, 'tls');
    const { source, updates } = await start(path);
    try {
      expect(source.current()).toBeUndefined();
      expect(source.notReadyReason()).toMatch(/^TLS files not loaded from .*missing or empty: ca.crt, tls.crt, tls.key$/);
      await writeTlsDir(path, [ca], server);
      await eventually('the files to load', () => source.current() !== undefined);
      expect(source.notReadyReason()).toBeUndefined();
      expect(updates).toHaveLength(1);
    } finally {
      source.close();
    }
  });

  it("follows kubelet's atomic swaps of a mounted Secret; a bad version keeps the last good one", async () => {
    await kubeletWrite(dir.path, 'v1', [ca], server, true);
    const { log, lines } = captureLog();
    const { source, updates } = await start(dir.path, log);
    try {
      expect(source.current()?.fingerprint).toBeDefined();
      const first = source.current()?.fingerprint;

      const renewed = ca.serverLeaf();
      await kubeletWrite(dir.path, 'v2', [ca, other], renewed, false);
      await rm(join(dir.path, '..v1'), { recursive: true });
      await eventually('the swap to load', () => source.current()?.fingerprint !== first);
      expect(source.current()?.authorities).toBe(2);

      await kubeletWrite(dir.path, 'v3', [ca], { certificate: renewed.certificate, privateKey: otherServer.privateKey }, false);
      await eventually('the bad version to be refused', () =>
        lines.some((line) => line['msg'] === 'TLS files rejected: serving with the previous ones'),
      );
      expect(source.current()?.authorities).toBe(2);
      expect(source.notReadyReason()).toBeUndefined();
      expect(updates).toHaveLength(2);
      expect(lines.find((line) => line['reason'] === 'KeyMismatch')).toBeDefined();
    } finally {
      source.close();
    }
  });

  it('a pair from another CA replacing only tls.crt and tls.key is refused: the previous set is served, and said to be', async () => {
    await writeTlsDir(dir.path, [ca], server);
    const { log, lines } = captureLog();
    const { source, updates } = await start(dir.path, log);
    try {
      const first = source.current()?.fingerprint;
      expect(source.rejectedReason()).toBeUndefined();
      await writeFile(join(dir.path, 'tls.crt'), otherServer.certificate);
      await writeFile(join(dir.path, 'tls.key'), otherServer.privateKey);
      await eventually('the pair to be refused', () => lines.some((line) => line['reason'] === 'UntrustedCertificate'));
      expect(source.current()?.fingerprint).toBe(first);
      expect(updates).toHaveLength(1);
      expect(source.notReadyReason()).toBeUndefined();
      expect(source.rejectedReason()).toMatch(
        new RegExp(`^TLS files rejected, serving the previous ones \\(${first}\\): .*is not signed by a CA in ca.crt`),
      );
      expect(lines.find((line) => line['reason'] === 'UntrustedCertificate')?.['msg']).toBe(
        'TLS files rejected: serving with the previous ones',
      );

      await writeFile(join(dir.path, 'tls.crt'), server.certificate);
      await writeFile(join(dir.path, 'tls.key'), server.privateKey);
      await eventually('the good pair to be back', () => source.rejectedReason() === undefined);
    } finally {
      source.close();
    }
  });

  it('reports an expired server certificate as not ready', async () => {
    await writeTlsDir(dir.path, [ca], server);
    let now = Date.now();
    const { source } = await start(dir.path, captureLog().log, () => now);
    try {
      expect(source.notReadyReason()).toBeUndefined();
      now += 400 * DAY;
      expect(source.notReadyReason()).toMatch(/^the server certificate expired at /);
    } finally {
      source.close();
    }
  });

  it('an unchanged folder does not touch the credentials', async () => {
    await writeTlsDir(dir.path, [ca], server);
    const { source, updates } = await start(dir.path);
    try {
      await source.reload();
      await source.reload();
      await mkdir(join(dir.path, 'unrelated'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(updates).toHaveLength(1);
    } finally {
      source.close();
    }
  });
});
