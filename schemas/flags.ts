import { parseArgs } from 'node:util';
import type { SchemaObject } from 'ajv';
import { compile, type Validator } from './compile.js';
import { fail, type Result } from '../lib/result.js';

/**
 * A command's options are a JSON Schema (an object of camelCase properties with a type,
 * a default and a description). From it come the flags (`grpcPort` -> `--grpc-port`),
 * their environment twins (`KKS_GRPC_PORT`), the help text and the validation.
 * A flag beats its environment variable, which beats the default.
 */
export interface OptionsSchema extends SchemaObject {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, SchemaObject>>;
}

export interface Command<T> {
  readonly name: string;
  readonly summary: string;
  readonly options: OptionsSchema;
  readonly validate: Validator<T>;
}

const ENV_PREFIX = 'KKS_';

export function defineCommand<T>(name: string, summary: string, options: OptionsSchema): Command<T> {
  const validate = compile<T>(options, { reason: 'InvalidOption', describe: (path) => describeOption(path) });
  return { name, summary, options, validate };
}

export const flagName = (property: string): string => property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (property: string): string => ENV_PREFIX + flagName(property).replace(/-/g, '_').toUpperCase();

function describeOption(path: string): string {
  const property = path.split('.')[0] ?? path;
  return `option --${flagName(property)} (${envName(property)})`;
}

export function parseOptions<T>(
  command: Command<T>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<T> {
  const properties = command.options.properties;
  const flags = Object.fromEntries(
    Object.entries(properties).map(([property, schema]) => [
      flagName(property),
      { type: schema['type'] === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: schema['type'] === 'array' },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  } catch (error) {
    return fail('InvalidOption', `${(error as Error).message}; see \`keda-kaito-scaler ${command.name} --help\``);
  }
  const raw: Record<string, unknown> = {};
  for (const [property, schema] of Object.entries(properties)) {
    const fromFlag = parsed.values[flagName(property)];
    const fromEnv = env[envName(property)];
    if (fromFlag !== undefined) raw[property] = coerce(schema, fromFlag);
    else if (fromEnv !== undefined && fromEnv !== '') raw[property] = coerce(schema, fromEnv);
  }
  return command.validate(raw);
}

/** Flags and environment variables are text; the schema's type says what they mean. */
function coerce(schema: SchemaObject, value: string | boolean | (string | boolean)[]): unknown {
  const type = schema['type'];
  if (Array.isArray(value)) return value.map((item) => coerce(schema['items'] ?? {}, item));
  if (typeof value === 'boolean') return value;
  if (type === 'array') return value.split(',').map((item) => coerce(schema['items'] ?? {}, item.trim()));
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (type === 'boolean' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return value;
}

export function helpText(command: Command<unknown>): string {
  const lines = [`keda-kaito-scaler ${command.name}: ${command.summary}`, '', 'Options (flag, environment variable, default or required):'];
  const required = new Set<string>((command.options['required'] as string[] | undefined) ?? []);
  for (const [property, schema] of Object.entries(command.options.properties)) {
    const value = schema['type'] === 'boolean' ? '' : ' <value>';
    const fallback = required.has(property)
      ? ' (required)'
      : schema['default'] === undefined
        ? ''
        : ` (default ${JSON.stringify(schema['default'])})`;
    lines.push(`  --${flagName(property)}${value}  ${envName(property)}${fallback}`);
    if (schema['description']) lines.push(`      ${schema['description']}`);
  }
  return lines.join('\n');
}
