import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, read loosely: the tests check the fields they need. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: any;
}

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export const readRepositoryFile = (path: string): string => readFileSync(repositoryRoot + path, 'utf8');

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`not valid YAML: ${document.errors[0]?.message}`);
      return document.toJSON() as Manifest | null;
    })
    .filter((object): object is Manifest => object !== null);
}

/**
 * `kubectl kustomize <directory>` (relative to the repository), parsed. `$KUBECTL` names
 * another kubectl to render with (the manifests are kept renderable from kubectl 1.20 on).
 */
export function kustomize(directory: string): Manifest[] {
  const kubectl = process.env['KUBECTL'] || 'kubectl';
  let output: string;
  try {
    output = execFileSync(kubectl, ['kustomize', repositoryRoot + directory], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        `${kubectl} is not installed, and the manifest contract tests need \`kubectl kustomize\`. ` +
          'Install it (Debian: apt-get install -y kubernetes-client; .ci/run does this) and run the tests again.',
      );
    }
    throw new Error(`kubectl kustomize ${directory} failed: ${failure.stderr ?? failure.message}`);
  }
  return parseManifests(output);
}

export function find(objects: readonly Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export const ofKind = (objects: readonly Manifest[], kind: string): Manifest[] => objects.filter((object) => object.kind === kind);

/** A deep copy to mutate in tests that show a rule catches a bad form. */
export const copy = <T>(value: T): T => structuredClone(value);
