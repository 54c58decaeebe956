import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import certs, { checkExtraNames } from '../../commands/certs.js';
import { writeCertificateDirectory, type WriteMode } from '../../certs/folder.js';
import { serverNames, systemRandomness } from '../../certs/issue.js';
import { parseOptions } from '../../schemas/flags.js';
import { createLogger } from '../../lib/log.js';
import { decode, keyMatches, trustedBy } from '../certs/x509.js';

const FILES = [
  'ca/ca.crt',
  'ca/ca.key',
  'server/ca.crt',
  'server/tls.crt',
  'server/tls.key',
  'client/ca.crt',
  'client/tls.crt',
  'client/tls.key',
];
const NAMES = serverNames('keda-kaito-scaler-svc', 'keda', ['localhost', '127.0.0.1']);
const T0 = new Date('2025-01-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

let root: string;
let out: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kks-certs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let counter = 0;
beforeEach(() => {
  counter += 1;
  out = join(root, `set-${counter}`);
});

const write = (mode: WriteMode, now = T0, names = NAMES) =>
  writeCertificateDirectory({ out, names, mode }, { now, random: systemRandomness });
const readAll = async () =>
  Object.fromEntries(await Promise.all(FILES.map(async (file) => [file, await readFile(join(out, file), 'utf8')] as const)));

/** Runs the command as the CLI does, with its log lines captured. */
async function runCommand(argv: string[]): Promise<{ code: number | undefined; lines: Array<Record<string, unknown>> }> {
  const options = parseOptions(certs.command, argv, {});
  if (!options.ok) throw new Error(options.problem.message);
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const code = await certs.run(options.value, createLogger({ level: 'info', format: 'json', destination: stream }));
  const lines = chunks
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}

describe('certs --out DIR', () => {
  it('writes a CA, a server and a client set; keys readable by the owner only', async () => {
    const { code } = await runCommand(['--out', out]);
    expect(code).toBe(0);
    const files = await readAll();
    for (const file of FILES) {
      const mode = (await stat(join(out, file))).mode & 0o777;
      expect([file, mode]).toEqual([file, file.endsWith('.key') ? 0o600 : 0o644]);
    }
    expect(files['server/ca.crt']).toBe(files['ca/ca.crt']);
    expect(files['client/ca.crt']).toBe(files['ca/ca.crt']);
    expect(keyMatches(files['ca/ca.crt'] as string, files['ca/ca.key'] as string)).toBe(true);
    expect(keyMatches(files['server/tls.crt'] as string, files['server/tls.key'] as string)).toBe(true);
    expect(keyMatches(files['client/tls.crt'] as string, files['client/tls.key'] as string)).toBe(true);
    expect(trustedBy(files['server/tls.crt'] as string, files['client/ca.crt'] as string, new Date())).toBe(true);
    expect(trustedBy(files['client/tls.crt'] as string, files['server/ca.crt'] as string, new Date())).toBe(true);
    const server = decode(files['server/tls.crt'] as string);
    expect(server.dnsNames).toEqual(NAMES.dnsNames);
    expect(server.ipAddresses).toEqual(['127.0.0.1']);
    expect(decode(files['client/tls.crt'] as string).extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('names another Service and extra names when asked', async () => {
    await runCommand([
      '--out',
      out,
      '--service',
      'scaler',
      '--namespace',
      'autoscaling',
      '--extra-names',
      'scaler.example.com',
      '--extra-names',
      '::1',
    ]);
    const server = decode(await readFile(join(out, 'server/tls.crt'), 'utf8'));
    expect(server.dnsNames).toEqual([
      'scaler',
      'scaler.autoscaling',
      'scaler.autoscaling.svc',
      'scaler.autoscaling.svc.cluster.local',
      'scaler.example.com',
    ]);
    expect(server.ipAddresses).toEqual(['::1']);
  });

  it('refuses to overwrite any existing file, and touches nothing', async () => {
    await mkdir(join(out, 'client'), { recursive: true });
    await writeFile(join(out, 'client/tls.key'), 'mine');
    const { code, lines } = await runCommand(['--out', out]);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      reason: 'CertificatesExist',
      msg: expect.stringMatching(/client\/tls.key exists: pass --reuse .* or --force/),
    });
    expect(await readFile(join(out, 'client/tls.key'), 'utf8')).toBe('mine');
    await expect(stat(join(out, 'ca/ca.crt'))).rejects.toThrow(/ENOENT/);
  });

  it('--force replaces everything with a fresh set', async () => {
    await write('create');
    const before = await readAll();
    expect((await runCommand(['--out', out, '--force'])).code).toBe(0);
    const after = await readAll();
    for (const file of FILES) expect([file, after[file] === before[file]]).toEqual([file, false]);
  });

  it('--reuse keeps a valid set byte for byte and writes nothing', async () => {
    await write('create', new Date());
    const before = await readAll();
    const mtimes = await Promise.all(FILES.map(async (file) => (await stat(join(out, file))).mtimeMs));
    const { code, lines } = await runCommand(['--out', out, '--reuse']);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatchObject({ written: [], msg: 'certificates are valid: nothing written' });
    expect(await readAll()).toEqual(before);
    expect(await Promise.all(FILES.map(async (file) => (await stat(join(out, file))).mtimeMs))).toEqual(mtimes);
  });

  it('--reuse on an empty folder creates the set', async () => {
    const outcome = await write('reuse');
    expect(outcome.ok && outcome.value.written).toEqual([
      'ca/ca.crt',
      'ca/ca.key',
      'server/ca.crt',
      'server/tls.key',
      'server/tls.crt',
      'client/ca.crt',
      'client/tls.key',
      'client/tls.crt',
    ]);
  });

  const damages: Array<[string, (dir: string) => Promise<unknown>, string[], string]> = [
    ['server key deleted', (dir) => unlink(join(dir, 'server/tls.key')), ['server/tls.key', 'server/tls.crt'], 'server:Missing'],
    [
      'client certificate corrupt',
      (dir) => writeFile(join(dir, 'client/tls.crt'), 'garbage'),
      ['client/tls.key', 'client/tls.crt'],
      'client:Unparseable',
    ],
    ['server ca.crt deleted', (dir) => unlink(join(dir, 'server/ca.crt')), ['server/ca.crt'], 'server:Rewritten'],
    [
      'CA key deleted',
      (dir) => unlink(join(dir, 'ca/ca.key')),
      ['ca/ca.crt', 'ca/ca.key', 'server/ca.crt', 'server/tls.key', 'server/tls.crt', 'client/ca.crt', 'client/tls.key', 'client/tls.crt'],
      'ca:Missing',
    ],
  ];
  it.each(damages)('--reuse repairs only what is damaged: %s', async (_name, damage, written, change) => {
    await write('create');
    await damage(out);
    const outcome = await write('reuse');
    if (!outcome.ok) throw new Error(outcome.problem.message);
    expect(outcome.value.written).toEqual(written);
    expect(outcome.value.changes.map((c) => `${c.part}:${c.reason}`)).toContain(change);
    const files = await readAll();
    expect(trustedBy(files['server/tls.crt'] as string, files['client/ca.crt'] as string, T0)).toBe(true);
    expect(trustedBy(files['client/tls.crt'] as string, files['server/ca.crt'] as string, T0)).toBe(true);
  });

  it('--reuse renews leaves once two thirds of their life have passed, and keeps the CA', async () => {
    await write('create');
    const before = await readAll();
    const quiet = await write('reuse', new Date(T0.getTime() + 200 * DAY));
    expect(quiet.ok && quiet.value.written).toEqual([]);
    const due = await write('reuse', new Date(T0.getTime() + 250 * DAY));
    expect(due.ok && due.value.changes.map((c) => `${c.part}:${c.reason}`)).toEqual(['server:NearExpiry', 'client:NearExpiry']);
    const after = await readAll();
    expect(after['ca/ca.crt']).toBe(before['ca/ca.crt']);
    expect(after['server/tls.crt']).not.toBe(before['server/tls.crt']);
  });

  it('--reuse re-issues the server certificate when the names change', async () => {
    await write('create');
    const outcome = await write('reuse', T0, serverNames('keda-kaito-scaler-svc', 'other'));
    expect(outcome.ok && outcome.value.written).toEqual(['server/tls.key', 'server/tls.crt']);
  });

  it('reports a file it cannot read', async () => {
    await mkdir(join(out, 'ca', 'ca.crt'), { recursive: true });
    const outcome = await write('reuse');
    expect(outcome).toMatchObject({ ok: false, problem: { reason: 'CertificatesUnreadable', message: expect.stringContaining('ca.crt') } });
  });
});

describe('certs options', () => {
  it.each([
    [['--force', '--reuse'], /--force .* and --reuse .* exclude each other/],
    [['--extra-names', '1.2.3.999'], /option --extra-names \(KKS_EXTRA_NAMES\) is "1.2.3.999": must be a DNS name or an IP address/],
    [['--extra-names', 'fe80::12345'], /is "fe80::12345": must be a DNS name or an IP address/],
  ])('%j is refused with exit code 2', async (argv, message) => {
    const { code, lines } = await runCommand(['--out', out, ...argv]);
    expect(code).toBe(2);
    expect(lines.at(-1)?.['msg']).toMatch(message);
  });

  it.each([
    [[], /option --out \(KKS_OUT\) is required/],
    [['--out', 'x', '--service', 'Bad_Name'], /option --service \(KKS_SERVICE\) is "Bad_Name": name of the scaler's gRPC Service/],
    [['--out', 'x', '--namespace', 'Bad.ns'], /option --namespace \(KKS_NAMESPACE\) is "Bad.ns": namespace of that Service/],
    [
      ['--out', 'x', '--extra-names', 'has space'],
      /option --extra-names \(KKS_EXTRA_NAMES\) is "has space": must be a DNS name or an IP address/,
    ],
  ])('options %j are refused before anything runs', (argv, message) => {
    const options = parseOptions(certs.command, argv, {});
    expect(options.ok).toBe(false);
    if (!options.ok) expect(options.problem.message).toMatch(message);
  });

  it('takes every option from its environment twin', () => {
    const options = parseOptions(certs.command, [], { KKS_OUT: '/tmp/x', KKS_REUSE: 'true', KKS_EXTRA_NAMES: 'a.example, 10.0.0.1' });
    expect(options).toMatchObject({ ok: true, value: { out: '/tmp/x', reuse: true, extraNames: ['a.example', '10.0.0.1'] } });
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['10.0.0.256', false],
    [':::', false],
  ])('extra name %s accepted: %s', (name, accepted) => {
    expect(checkExtraNames([name]).ok).toBe(accepted);
  });
});
