import { envName, flagName } from '../schemas/flags.js';
import { fail, ok, type Result } from '../lib/result.js';
import { ANNOTATION_PREFIX, annotationsSchema } from '../schemas/annotations.js';
import { certsCommand } from '../schemas/certs-options.js';
import { devOptionsSchema } from '../schemas/dev-options.js';
import { hooksCommand } from '../schemas/hooks-options.js';
import { queryOptionsSchema } from '../schemas/query-options.js';
import { scalerOptionsSchema } from '../schemas/scaler-options.js';
import { triggerMetadataSchema } from '../schemas/trigger-metadata.js';

/**
 * The reference tables of README.md and docs/ that restate a schema, rendered from it. Each sits between
 * `<!-- generated: <name> ... -->` and `<!-- end generated: <name> -->`; `npm run docs:generate` rewrites
 * them, and `npm run check:docs` fails when one is not what the schemas give now.
 */

/** The part of a JSON Schema object the tables read. */
export interface ObjectSchema {
  readonly required?: readonly string[];
  readonly properties: Readonly<Record<string, PropertySchema>>;
}

/** A property's schema: the tables read its `description`, `default` and `x-reason`. */
type PropertySchema = Readonly<Record<string, unknown>>;

const code = (text: string): string => `\`${text}\``;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function describe(name: string, property: PropertySchema): string {
  if (typeof property['description'] !== 'string') throw new Error(`schema property ${name} has no description to show`);
  return cell(property['description']);
}

function shownDefault(property: PropertySchema, required: boolean): string {
  const fallback = property['default'];
  if (fallback === undefined) return required ? '(required)' : '–';
  return code(Array.isArray(fallback) ? fallback.join(',') : String(fallback));
}

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/** The rule in words, and the allowed values when the words do not name each of them. */
function rule(name: string, property: PropertySchema): string {
  const words = describe(name, property);
  const values = Array.isArray(property['enum']) ? property['enum'].map(String) : [];
  const unnamed = values.some((value) => !words.includes(value));
  return unnamed ? `${words} (one of ${values.map(code).join(', ')})` : words;
}

/**
 * One row per key: the key, whether it is required, its default (a column only when some key has one) and
 * its rule; with `reasons`, also the reason code a value that breaks the rule is refused with.
 */
export function keysTable(schema: ObjectSchema, keyHeader: string, keyName: (key: string) => string, reasons = false): string {
  const required = new Set(schema.required ?? []);
  const properties = Object.entries(schema.properties);
  const defaults = properties.some(([, property]) => property['default'] !== undefined);
  const rows = properties.map(([key, property]) => [
    code(keyName(key)),
    required.has(key) ? 'yes' : 'no',
    ...(defaults ? [shownDefault(property, false)] : []),
    rule(key, property),
    ...(reasons ? [typeof property['x-reason'] === 'string' ? code(property['x-reason']) : '–'] : []),
  ]);
  return table([keyHeader, 'required', ...(defaults ? ['default'] : []), 'rule', ...(reasons ? ['refused as'] : [])], rows);
}

/** One row per option of a command: its flag, its environment variable, its default (or that it is required) and its rule. */
export function optionsTable(command: string, schema: ObjectSchema): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([property, option]) => [
    code(`--${flagName(property)}`),
    code(envName(property)),
    shownDefault(option, required.has(property)),
    describe(property, option),
  ]);
  return table([`${command} option`, 'environment', 'default', 'rule'], rows);
}

/** Every generated table, by the name its markers carry. */
export function generatedTables(): ReadonlyMap<string, string> {
  return new Map([
    ['trigger-metadata', keysTable(triggerMetadataSchema, 'key', (key) => key)],
    ['annotations', keysTable(annotationsSchema, 'annotation', (key) => key.slice(ANNOTATION_PREFIX.length), true)],
    ['options: hooks', optionsTable('hooks', hooksCommand.options)],
    ['options: scaler', optionsTable('scaler', scalerOptionsSchema)],
    ['options: query', optionsTable('query', queryOptionsSchema)],
    ['options: certs', optionsTable('certs', certsCommand.options)],
    ['options: dev', optionsTable('dev', devOptionsSchema)],
  ]);
}

const BLOCK = /<!-- generated: ([^>]*?) \(npm run docs:generate\) -->\n[\s\S]*?<!-- end generated: ([^>]*?) -->/g;

/** `text` with every generated block holding its table now; a block of no known table, or an unclosed one, is a problem. */
export function regenerate(text: string, tables: ReadonlyMap<string, string>): Result<string> {
  const problems: string[] = [];
  const replaced = text.replace(BLOCK, (block, name: string, end: string) => {
    const rendered = tables.get(name);
    if (end !== name) problems.push(`the block "${name}" ends with the marker of "${end}"`);
    else if (rendered === undefined) problems.push(`no table is called "${name}" (known: ${[...tables.keys()].join(', ')})`);
    else return `${startMarker(name)}\n\n${rendered}\n\n<!-- end generated: ${name} -->`;
    return block;
  });
  const starts = [...text.matchAll(/<!-- generated: /g)].length;
  const blocks = [...text.matchAll(BLOCK)].length;
  if (starts !== blocks) {
    const form = startMarker('<name>');
    problems.push(`${starts - blocks} generated block(s) have no end marker, or a start marker of another form than "${form}"`);
  }
  return problems.length === 0 ? ok(replaced) : fail('InvalidGeneratedBlock', problems.join('; '));
}

export const startMarker = (name: string): string => `<!-- generated: ${name} (npm run docs:generate) -->`;
