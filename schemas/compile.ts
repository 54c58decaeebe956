import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaObject } from 'ajv';
import { fail, ok, type Result } from '../lib/result.js';
import { clip } from '../lib/text.js';

/**
 * One ajv instance for the whole process: schemas are compiled once, at import time of
 * the module that declares them.
 *
 * Schemas may carry two extra keywords that turn ajv's errors into messages a user can
 * act on:
 *  - `x-reason`: the reason code reported when this value (or a value below it) is invalid;
 *  - `description`: the rule in plain words, quoted in the message.
 */
const ajv = new Ajv({ allErrors: false, verbose: true, coerceTypes: false, useDefaults: true, strict: true });
ajv.addVocabulary(['x-reason']);

export interface Validator<T> {
  (data: unknown): Result<T>;
  readonly schema: SchemaObject;
}

export interface CompileOptions {
  /** Reason code when the failing part of the schema names none. */
  readonly reason: string;
  /** How to name the failing location in messages, e.g. `(path) => \`annotation "${path}"\``. */
  readonly describe?: (path: string) => string;
}

export function compile<T>(schema: SchemaObject, options: CompileOptions): Validator<T> {
  const check = ajv.compile<T>(schema);
  const validate = (data: unknown): Result<T> => {
    if (check(data)) return ok(data);
    const error = check.errors?.[0];
    return error ? explain(error, options) : fail(options.reason, 'invalid input');
  };
  return Object.assign(validate, { schema });
}

function explain(error: ErrorObject, options: CompileOptions): Result<never> {
  const describe = options.describe ?? ((path: string) => (path === '' ? 'input' : `"${path}"`));
  if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
    const property = String(error.params['missingProperty'] ?? error.params['additionalProperty']);
    const path = join(error.instancePath, property);
    const subschema = (error.parentSchema?.['properties'] as Record<string, SchemaObject> | undefined)?.[property];
    const reason = (subschema?.['x-reason'] as string | undefined) ?? options.reason;
    const rule = subschema?.['description'] ? `: ${subschema['description']}` : '';
    const what = error.keyword === 'required' ? 'is required' : 'is not a known key';
    return fail(reason, `${describe(path)} ${what}${rule}`);
  }
  const path = pointerToPath(error.instancePath);
  const parent = error.parentSchema ?? {};
  const reason = (parent['x-reason'] as string | undefined) ?? options.reason;
  const rule = (parent['description'] as string | undefined) ?? error.message ?? 'is invalid';
  return fail(reason, `${describe(path)} is ${quote(error.data)}: ${rule}${allowed(error.keyword, parent)}`);
}

/** What a value out of range or outside an enum may be instead, said after the rule. */
function allowed(keyword: string, schema: AnySchemaObject): string {
  if (keyword === 'enum') return ` (one of: ${(schema['enum'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')})`;
  if (keyword !== 'minimum' && keyword !== 'maximum') return '';
  const [minimum, maximum] = [schema['minimum'] as number | undefined, schema['maximum'] as number | undefined];
  if (minimum !== undefined && maximum !== undefined) return ` (allowed: ${minimum} to ${maximum})`;
  return minimum !== undefined ? ` (allowed: at least ${minimum})` : ` (allowed: at most ${maximum})`;
}

/** Inputs can be megabytes long; a message quotes only their start. */
function quote(data: unknown): string {
  return clip(JSON.stringify(data) ?? String(data), 80);
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(pointer: string, property: string): string {
  const base = pointerToPath(pointer);
  return base === '' ? property : `${base}.${property}`;
}
