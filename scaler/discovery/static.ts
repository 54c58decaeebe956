import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Logger } from '../../lib/log.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { describeYamlError } from '../../lib/yaml-error.js';
import { targetsPath, validateTargets } from '../../schemas/targets.js';
import { watchDirectory, type DirectoryWatch } from '../watch.js';
import type { Discovery, InferenceSetView } from './discovery.js';
import { replicaKey } from './replica-address.js';

/** Reads a targets file's text into InferenceSets; every problem names the bad entry's path. */
export function parseTargets(text: string): Result<InferenceSetView[]> {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    return fail('InvalidTargetsYaml', `the targets file is not valid YAML at ${describeYamlError(yamlError, text)}`);
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return fail('InvalidTargetsYaml', `the targets file cannot be read as data: ${(error as Error).message}`);
  }
  const validated = validateTargets(data);
  if (!validated.ok) return validated;

  const views: InferenceSetView[] = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of validated.value.inferenceSets.entries()) {
    const key = `${entry.namespace}/${entry.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      return fail(
        'DuplicateInferenceSet',
        `targets entry ${targetsPath(`inferenceSets.${index}`)} repeats InferenceSet ${key} of ${targetsPath(`inferenceSets.${first}`)}: list each InferenceSet once`,
      );
    }
    seen.set(key, index);
    // Keyed by the replica, not the spelling: 127.0.0.01:9001 and localhost:9001 are 127.0.0.1:9001.
    const addresses = new Map<string, string>();
    for (const [position, address] of entry.workspaces.entries()) {
      const key = replicaKey(address) ?? address;
      const earlier = addresses.get(key);
      if (earlier !== undefined) {
        const same = earlier === address ? '' : ` (the same replica as ${earlier})`;
        return fail(
          'DuplicateWorkspace',
          `targets entry ${targetsPath(`inferenceSets.${index}.workspaces.${position}`)} repeats ${address}${same}: ` +
            'each replica is listed once, or it would be counted twice',
        );
      }
      addresses.set(key, address);
    }
    views.push({
      namespace: entry.namespace,
      name: entry.name,
      allowedNamespaces: entry.allowedNamespaces,
      workspaces: entry.workspaces.map((address) => ({ name: address, address })),
    });
  }
  return ok(views);
}

export interface StaticDiscovery extends Discovery {
  /** Re-reads the file; a bad file keeps the InferenceSets last read. */
  reload(): Promise<Result<number>>;
}

export interface StaticDiscoveryOptions {
  readonly file: string;
  readonly log: Logger;
  /** Re-read the file when it changes (default: yes). */
  readonly watch?: { readonly debounceMs: number; readonly pollMs: number } | false;
}

/**
 * `parse`, giving back its last answer when asked about the same text again: the file is
 * re-read every few seconds, and parsing thousands of entries takes long enough to stall
 * every call in flight.
 */
export function reusingLastAnswer<T>(parse: (text: string) => T): (text: string) => T {
  let last: { readonly text: string; readonly answer: T } | undefined;
  return (text) => {
    if (last?.text !== text) last = { text, answer: parse(text) };
    return last.answer;
  };
}

async function readTargets(file: string, parse: (text: string) => Result<InferenceSetView[]>): Promise<Result<InferenceSetView[]>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return fail('TargetsUnreadable', `cannot read the targets file ${file} (${code}): check --targets`);
  }
  const parsed = parse(text);
  return parsed.ok ? parsed : fail(parsed.problem.reason, `${file}: ${parsed.problem.message}`);
}

/**
 * Discovery from a targets file. A file that cannot be read or is invalid at start is an
 * error (the command exits with the message); later, a bad edit is logged and the last
 * good InferenceSets stay in use.
 */
export async function startStaticDiscovery(options: StaticDiscoveryOptions): Promise<Result<StaticDiscovery>> {
  const { file, log } = options;
  const parse = reusingLastAnswer(parseTargets);
  const first = await readTargets(file, parse);
  if (!first.ok) return first;

  let views = first.value;
  let index = indexViews(views);
  let lastProblem: string | undefined;
  log.info({ file, inferenceSets: index.size }, 'targets file loaded');

  const reload = async (): Promise<Result<number>> => {
    const next = await readTargets(file, parse);
    if (!next.ok) {
      if (next.problem.message !== lastProblem) {
        log.warn({ file, reason: next.problem.reason, err: next.problem.message }, 'targets file rejected: keeping the last good targets');
      }
      lastProblem = next.problem.message;
      return next;
    }
    lastProblem = undefined;
    // The same text as last time: nothing to compare.
    if (next.value === views) return ok(index.size);
    views = next.value;
    const nextIndex = indexViews(next.value);
    if (!sameViews(index, nextIndex)) {
      index = nextIndex;
      log.info({ file, inferenceSets: index.size }, 'targets file reloaded');
    }
    return ok(index.size);
  };

  const watching: DirectoryWatch | undefined =
    options.watch === false
      ? undefined
      : watchDirectory(dirname(file), async () => void (await reload()), {
          debounceMs: options.watch?.debounceMs ?? 200,
          pollMs: options.watch?.pollMs ?? 10_000,
        });

  return ok({
    ready: () => true,
    notReadyReason: () => undefined,
    lookup: (namespace, name) => index.get(`${namespace}/${name}`),
    reload,
    async stop() {
      watching?.close();
    },
  });
}

function indexViews(views: readonly InferenceSetView[]): Map<string, InferenceSetView> {
  return new Map(views.map((view) => [`${view.namespace}/${view.name}`, view]));
}

function sameViews(a: ReadonlyMap<string, InferenceSetView>, b: ReadonlyMap<string, InferenceSetView>): boolean {
  return a.size === b.size && [...a].every(([key, view]) => JSON.stringify(b.get(key)) === JSON.stringify(view));
}
