/**
 * The layers of the code base, lowest first: a module may import its own folder and the layers
 * below it, never one above. `hooks/` and `scaler/` share a layer and stay apart: each is a domain
 * of its own, and what both need belongs lower.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['lib'],
  ['schemas'],
  ['certs'],
  ['hooks', 'scaler'],
  ['commands', 'dev', 'simulate', 'bench', 'scripts', 'cli.ts'],
];

/** The layer unit of a repository path: its first folder, or the file itself at the root. */
export const unitOf = (path: string): string => path.split('/')[0] ?? path;

const rank = (unit: string): number | undefined => {
  const index = LAYERS.findIndex((layer) => layer.includes(unit));
  return index < 0 ? undefined : index;
};

export interface Import {
  readonly from: string;
  readonly to: string;
}

/** Why this import breaks the layering, or undefined when it may stay. */
export function violation({ from, to }: Import): string | undefined {
  const [source, target] = [unitOf(from), unitOf(to)];
  if (source === target) return undefined;
  const [sourceRank, targetRank] = [rank(source), rank(target)];
  if (sourceRank === undefined) return `${from} is in no layer: add ${source}/ to scripts/layers.ts`;
  if (targetRank === undefined) return `${from} imports ${to}, which is in no layer`;
  if (targetRank > sourceRank) return `${from} imports ${to}: ${source}/ must not depend on ${target}/, a higher layer`;
  if (targetRank === sourceRank && sourceRank < LAYERS.length - 1)
    return `${from} imports ${to}: ${source}/ and ${target}/ must stay apart`;
  return undefined;
}

// Static imports and re-exports (`from '...'`), side-effect imports and dynamic `import('...')`.
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;

/** The relative imports of one module, as repository paths. */
export function importsOf(path: string, source: string): Import[] {
  const folder = path.split('/').slice(0, -1);
  return [...source.matchAll(SPECIFIER)].map(([, specifier = '']) => {
    const parts = [...folder];
    for (const part of specifier.split('/')) {
      if (part === '..') parts.pop();
      else if (part !== '.') parts.push(part);
    }
    return { from: path, to: parts.join('/') };
  });
}

/** Which unit imports which: the picture of the layering, one line per pair. */
export function unitGraph(imports: readonly Import[]): string[] {
  const pairs = new Set(imports.map(({ from, to }) => `${unitOf(from)} -> ${unitOf(to)}`).filter((pair) => !/^(\S+) -> \1$/.test(pair)));
  return [...pairs].sort();
}
