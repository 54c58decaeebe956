import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface TestAuthority extends Pem {
  serverLeaf(options?: Validity): Promise<Pem>;
  clientLeaf(options?: Validity): Promise<Pem>;
}

const DAY = 24 * 60 * 60 * 1000;
const asn1Time = (date: Date) => date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function sign(subject: string, signer: Pem | undefined, extensions: string, validity: Required<Validity>): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'kks-pki-'));
  try {
    openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.key']);
    openssl(dir, ['pkcs8', '-topk8', '-nocrypt', '-in', 'ec.key', '-out', 'key.pem']);
    openssl(dir, ['req', '-new', '-key', 'key.pem', '-subj', subject, '-out', 'req.csr']);
    writeFileSync(join(dir, 'ext.cnf'), `[ext]\n${extensions}\nsubjectKeyIdentifier=hash\n`);
    if (signer) {
      writeFileSync(join(dir, 'ca.crt'), signer.certificate);
      writeFileSync(join(dir, 'ca.key'), signer.privateKey);
    }
    const start = asn1Time(validity.notBefore);
    const end = asn1Time(validity.notAfter);
    // `openssl ca` is the only form that takes explicit start and end dates.
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(
      join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nrand_serial=yes\ndefault_md=sha256\npolicy=p\nunique_subject=no\ncopy_extensions=none\n[p]\ncommonName=supplied\n`,
    );
    openssl(dir, [
      'ca', '-batch', '-notext', '-config', 'ca.cnf', '-in', 'req.csr', '-out', 'cert.pem',
      '-startdate', start, '-enddate', end, '-extfile', 'ext.cnf', '-extensions', 'ext',
      ...(signer ? ['-cert', 'ca.crt', '-keyfile', 'ca.key'] : ['-selfsign', '-keyfile', 'key.pem']),
    ]);
    return { certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKey: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const defaults = (validity: Validity = {}): Required<Validity> => ({
  notBefore: validity.notBefore ?? new Date(Date.now() - DAY),
  notAfter: validity.notAfter ?? new Date(Date.now() + 30 * DAY),
});

/** A test CA (ECDSA P-256) that issues server leaves for localhost/127.0.0.1 and client leaves. */
export async function createAuthority(name: string, validity: Validity = {}): Promise<TestAuthority> {
  const ca = sign(`/CN=${name}`, undefined, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature', defaults(validity));
  const leaf = async (usage: 'server' | 'client', leafValidity?: Validity): Promise<Pem> =>
    usage === 'server'
      ? sign('/CN=localhost', ca, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid', defaults(leafValidity ?? validity))
      : sign('/CN=keda-kaito-scaler-client', ca, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid', defaults(leafValidity ?? validity));
  return { ...ca, serverLeaf: (v) => leaf('server', v), clientLeaf: (v) => leaf('client', v) };
}

/** Writes `ca.crt`, `tls.crt`, `tls.key` into `dir`: the layout of `--tls-dir` and of the query's client folder. */
export async function writeTlsDir(dir: string, authorities: readonly Pem[], leaf: Pem): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), authorities.map((authority) => authority.certificate.trim()).join('\n') + '\n');
  await writeFile(join(dir, 'tls.crt'), leaf.certificate);
  await writeFile(join(dir, 'tls.key'), leaf.privateKey, { mode: 0o600 });
}
