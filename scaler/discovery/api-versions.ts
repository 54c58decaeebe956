import { fail, ok, type Result } from '../../lib/result.js';

export const KAITO_GROUP = 'kaito.sh';

/** The versions of KAITO's API the scaler reads, best first. */
export const KAITO_VERSIONS = ['v1beta1', 'v1alpha1'] as const;

/**
 * What the API server's discovery says about one group: for each version it serves, the
 * resources (plural names) it serves in that version. Versions it does not serve are absent.
 */
export type ServedResources = ReadonlyMap<string, readonly string[]>;

/**
 * The version to list and watch `resource` in: the first of `KAITO_VERSIONS` that serves it.
 * Decided per resource, because a KAITO release may move one kind to v1beta1 before another.
 */
export function chooseVersion(resource: string, served: ServedResources): Result<string> {
  const version = KAITO_VERSIONS.find((candidate) => served.get(candidate)?.includes(resource));
  if (version !== undefined) return ok(version);
  const offered = [...served.entries()].filter(([, resources]) => resources.includes(resource)).map(([candidate]) => candidate);
  const alternatives = offered.length === 0 ? '' : ` (it serves only ${offered.join(', ')}, which this scaler does not read)`;
  return fail(
    'VersionNotServed',
    `the API server serves ${resource}.${KAITO_GROUP} in none of ${KAITO_VERSIONS.join(', ')}${alternatives}: install or upgrade KAITO`,
  );
}
