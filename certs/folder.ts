import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, type Result } from '../lib/result.js';
import { CERTS_DEFAULTS } from '../schemas/certs-options.js';
import { serverNames, type IssueContext, type ServerNames } from './issue.js';
import { renew, type Change, type CertificateFiles, type ObservedFiles, type Part } from './renew.js';

/**
 * `keda-kaito-scaler certs --out DIR`: the certificate set of the certificates hook, as
 * files. `DIR/ca/{ca.crt,ca.key}`, `DIR/server/{ca.crt,tls.crt,tls.key}` (a `--tls-dir`
 * for the scaler) and `DIR/client/{ca.crt,tls.crt,tls.key}` (for `query` and KEDA).
 */

export type WriteMode = 'create' | 'force' | 'reuse';

/** The names `certs` puts in the server certificate by default: the Service's, and this machine's. */
export const DEFAULT_SERVER_NAMES: ServerNames = serverNames(CERTS_DEFAULTS.service, CERTS_DEFAULTS.namespace, CERTS_DEFAULTS.extraNames);

export interface CertificateDirectory {
  readonly out: string;
  readonly names: ServerNames;
  /** create: refuse to overwrite; force: a fresh set over whatever is there; reuse: the renewal rules decide. */
  readonly mode: WriteMode;
}

export interface WriteOutcome {
  /** Paths relative to `out`, in the order written. */
  readonly written: readonly string[];
  readonly changes: readonly Change[];
  readonly nextCheck: Date;
}

const LAYOUT: ReadonlyArray<{ readonly part: Part; readonly file: string; readonly secret: boolean }> = [
  { part: 'ca', file: 'ca.crt', secret: false },
  { part: 'ca', file: 'ca.key', secret: true },
  { part: 'server', file: 'ca.crt', secret: false },
  { part: 'server', file: 'tls.key', secret: true },
  { part: 'server', file: 'tls.crt', secret: false },
  { part: 'client', file: 'ca.crt', secret: false },
  { part: 'client', file: 'tls.key', secret: true },
  { part: 'client', file: 'tls.crt', secret: false },
];

export async function writeCertificateDirectory(directory: CertificateDirectory, context: IssueContext): Promise<Result<WriteOutcome>> {
  const observed = await readObserved(directory.out);
  if (!observed.ok) return observed;
  const present = LAYOUT.filter(({ part, file }) => fileOf(observed.value, part, file) !== undefined);
  if (directory.mode === 'create' && present.length > 0) {
    const first = present[0] as (typeof LAYOUT)[number];
    return fail(
      'CertificatesExist',
      `${join(directory.out, first.part, first.file)} exists: pass --reuse to keep a valid set, or --force to replace it`,
    );
  }
  const renewal = renew(directory.mode === 'reuse' ? observed.value : {}, directory.names, context);
  const changed = LAYOUT.filter(({ part, file }) => fileOf(observed.value, part, file) !== fileOf(renewal.files, part, file));
  for (const part of new Set(changed.map((entry) => entry.part))) await mkdir(join(directory.out, part), { recursive: true, mode: 0o700 });
  // Keys before certificates: a reader that sees a new certificate finds its key already there.
  for (const { part, file, secret } of changed) {
    await writeAtomically(join(directory.out, part, file), fileOf(renewal.files, part, file) as string, secret ? 0o600 : 0o644);
  }
  return ok({ written: changed.map(({ part, file }) => `${part}/${file}`), changes: renewal.changes, nextCheck: renewal.nextCheck });
}

function fileOf(files: ObservedFiles | CertificateFiles, part: Part, file: string): string | undefined {
  return (files[part] as Record<string, string | undefined> | undefined)?.[file];
}

async function readObserved(out: string): Promise<Result<ObservedFiles>> {
  const observed: Record<string, Record<string, string>> = {};
  for (const { part, file } of LAYOUT) {
    const path = join(out, part, file);
    try {
      observed[part] ??= {};
      observed[part][file] = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return fail('CertificatesUnreadable', `cannot read ${path}: ${(error as Error).message}`);
    }
  }
  return ok(observed as ObservedFiles);
}

/** A watcher (the scaler's --tls-dir, its --targets folder) never sees a half-written file. */
export async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}
