import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { sync } from '../../hooks/sync.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { readPolicy, type Policy } from '../../simulate/policy.js';
import { autoscaled, inferenceSet } from '../hooks/builders.js';

const defaults = hooksCommand.validate({});
if (!defaults.ok) throw new Error(defaults.problem.message);
/** Where the hooks' rendering sends KEDA, with the command's defaults. */
export const render = defaults.value;

/** An InferenceSet named `name` as a YAML file would hold it, with autoscaling annotations plus `extra`. */
export function policyYaml(name: string, extra: Record<string, string | undefined> = {}): string {
  return stringify(inferenceSet(autoscaled(extra), {}, name));
}

/** The policy of such a file; throws when the hooks refuse it. */
export function policy(name: string, extra: Record<string, string | undefined> = {}): Policy {
  const read = readPolicy(policyYaml(name, extra), `${name}.yaml`, render);
  if (!read.ok) throw new Error(read.problem.message);
  return read.value;
}

/** What the sync hook answers for the same InferenceSet. */
export const hookAnswer = (name: string, extra: Record<string, string | undefined>) =>
  sync({ object: inferenceSet(autoscaled(extra), {}, name), attachments: {}, related: {}, finalizing: false }, render);

/** The policy of a file of the project; throws when it cannot be read. */
export function examplePolicy(file: string): Policy {
  const read = readPolicy(readFileSync(file, 'utf8'), file, render);
  if (!read.ok) throw new Error(read.problem.message);
  return read.value;
}
