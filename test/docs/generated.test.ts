import { generatedTables, keysTable, optionsTable, regenerate, startMarker } from '../../scripts/docs-tables.js';
import { doc, docFiles } from '../support/docs.js';

const block = (name: string, body: string) => `${startMarker(name)}\n${body}\n<!-- end generated: ${name} -->`;
const tables = new Map([['t', '| a |\n|---|\n| 1 |']]);
const current = block('t', '\n| a |\n|---|\n| 1 |\n');

describe('the generated tables of README.md and docs/', () => {
  it.each(docFiles())('%s holds what the schemas give now (npm run docs:generate)', (file) => {
    const text = doc(file);
    expect(regenerate(text, generatedTables())).toEqual({ ok: true, value: text });
  });

  it('places every table somewhere', () => {
    const all = docFiles().map(doc).join('\n');
    for (const name of generatedTables().keys()) expect(all).toContain(startMarker(name));
  });
});

describe('regenerate', () => {
  it.each([
    ['a stale table', `before\n${block('t', '| old |')}\nafter`, { ok: true, value: `before\n${current}\nafter` }],
    ['a current table', current, { ok: true, value: current }],
    ['text without blocks', 'no tables here', { ok: true, value: 'no tables here' }],
  ])('%s', (_case, text, expected) => {
    expect(regenerate(text, tables)).toEqual(expected);
  });

  it.each([
    ['an unknown table', block('u', ''), 'no table is called "u" (known: t)'],
    ['a block closed by another name', `${startMarker('t')}\n<!-- end generated: u -->`, 'the block "t" ends with the marker of "u"'],
    ['a block never closed', `${startMarker('t')}\n| a |`, '1 generated block(s) have no end marker'],
  ])('refuses %s', (_case, text, message) => {
    const result = regenerate(text, tables);
    expect(result).toEqual({ ok: false, problem: { reason: 'InvalidGeneratedBlock', message: expect.stringContaining(message) } });
  });
});

describe('keysTable', () => {
  const schema = {
    required: ['name'],
    properties: {
      name: { type: 'string', description: 'the name', 'x-reason': 'BadName' },
      mode: { type: 'string', enum: ['a', 'b'], default: 'a', description: 'a | b,\n  the mode' },
      level: { type: 'string', enum: ['low', 'high'], description: 'the level' },
    },
  };

  it.each([
    [
      false,
      [
        '| key | required | default | rule |',
        '|---|---|---|---|',
        '| `name` | yes | – | the name |',
        '| `mode` | no | `a` | a \\| b, the mode |',
        '| `level` | no | – | the level (one of `low`, `high`) |',
      ],
    ],
    [
      true,
      [
        '| key | required | default | rule | refused as |',
        '|---|---|---|---|---|',
        '| `name` | yes | – | the name | `BadName` |',
        '| `mode` | no | `a` | a \\| b, the mode | – |',
        '| `level` | no | – | the level (one of `low`, `high`) | – |',
      ],
    ],
  ])('with reasons %s', (reasons, expected) => {
    expect(keysTable(schema, 'key', (key) => key, reasons).split('\n')).toEqual(expected);
  });

  it('has no default column when no key has a default', () => {
    const table = keysTable({ properties: { name: { description: 'the name' } } }, 'annotation', (key) => `x/${key}`);
    expect(table.split('\n')).toEqual(['| annotation | required | rule |', '|---|---|---|', '| `x/name` | no | the name |']);
  });

  it('refuses a key without a description', () => {
    const bare = { properties: { bare: { type: 'string' } } };
    expect(() => keysTable(bare, 'key', (key) => key)).toThrow('schema property bare has no description');
  });
});

describe('optionsTable', () => {
  it('shows each option as a flag and a variable, with its default or that it is required', () => {
    const schema = {
      required: ['out'],
      properties: {
        out: { type: 'string', description: 'folder' },
        names: { type: 'array', default: ['localhost', '127.0.0.1'], description: 'names' },
        kubeconfig: { type: 'string', description: 'file' },
        maxBodyBytes: { type: 'integer', default: 1024, description: 'bytes' },
      },
    };
    expect(optionsTable('x', schema).split('\n')).toEqual([
      '| x option | environment | default | rule |',
      '|---|---|---|---|',
      '| `--out` | `KKS_OUT` | (required) | folder |',
      '| `--names` | `KKS_NAMES` | `localhost,127.0.0.1` | names |',
      '| `--kubeconfig` | `KKS_KUBECONFIG` | – | file |',
      '| `--max-body-bytes` | `KKS_MAX_BODY_BYTES` | `1024` | bytes |',
    ]);
  });
});
