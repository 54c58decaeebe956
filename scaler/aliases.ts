import { fail, type Result } from '../lib/result.js';
import { extractFamily, type Family } from './extract.js';

/**
 * vLLM renames metrics between versions: `vllm:gpu_cache_usage_perc` became
 * `vllm:kv_cache_usage_perc` (the old name is gone in 0.12), and
 * `vllm:time_per_output_token_seconds` became `vllm:inter_token_latency_seconds`. Each is
 * read for the other, both ways, so an annotation written for one vLLM version keeps
 * working on the next (and on a fleet that runs both).
 */
export const ALIASES: Readonly<Record<string, string>> = {
  'vllm:gpu_cache_usage_perc': 'vllm:kv_cache_usage_perc',
  'vllm:kv_cache_usage_perc': 'vllm:gpu_cache_usage_perc',
  'vllm:time_per_output_token_seconds': 'vllm:inter_token_latency_seconds',
  'vllm:inter_token_latency_seconds': 'vllm:time_per_output_token_seconds',
};

export interface FoundFamily {
  readonly family: Family;
  /** The name read instead of the one asked for, when the page has only that. */
  readonly alias?: string;
}

/**
 * The family `name` from a page, or its alias when the page has no `name` but has the
 * alias. Problems as `extractFamily`'s; a missing family names the alias too.
 */
export function extractFamilyOrAlias(page: string, name: string): Result<FoundFamily> {
  const found = extractFamily(page, name);
  if (found.ok) return { ok: true, value: { family: found.value } };
  const alias = ALIASES[name];
  if (found.problem.reason !== 'FamilyAbsent' || alias === undefined) return found;
  const renamed = extractFamily(page, alias);
  if (renamed.ok) return { ok: true, value: { family: renamed.value, alias } };
  if (renamed.problem.reason !== 'FamilyAbsent') return renamed;
  return fail('FamilyAbsent', `${found.problem.message}, nor its other vLLM name "${alias}"`);
}

/** The names to ask a server for: the family's and, where vLLM renamed it, the alias's. */
export function namesWithAlias(name: string, names: (family: string) => string[]): string[] {
  const alias = ALIASES[name];
  return alias === undefined ? names(name) : [...names(name), ...names(alias)];
}
