import { importsOf, unitGraph, violation } from '../../scripts/layers.js';

describe('violation', () => {
  it.each([
    ['lib/log.ts', 'lib/text.ts', undefined],
    ['schemas/compile.ts', 'lib/result.ts', undefined],
    ['certs/renew.ts', 'schemas/certs-options.ts', undefined],
    ['hooks/app.ts', 'certs/issue.ts', undefined],
    ['scaler/core.ts', 'lib/result.ts', undefined],
    ['commands/scaler.ts', 'scaler/start.ts', undefined],
    ['dev/stack.ts', 'simulate/run.ts', undefined],
    ['cli.ts', 'commands/hooks.ts', undefined],
    ['lib/flags.ts', 'schemas/compile.ts', 'lib/flags.ts imports schemas/compile.ts: lib/ must not depend on schemas/, a higher layer'],
    [
      'schemas/dev-options.ts',
      'dev/load-pattern.ts',
      'schemas/dev-options.ts imports dev/load-pattern.ts: schemas/ must not depend on dev/, a higher layer',
    ],
    [
      'scaler/core.ts',
      'commands/scaler.ts',
      'scaler/core.ts imports commands/scaler.ts: scaler/ must not depend on commands/, a higher layer',
    ],
    ['hooks/app.ts', 'scaler/core.ts', 'hooks/app.ts imports scaler/core.ts: hooks/ and scaler/ must stay apart'],
    ['bench/memory.ts', 'test/support/fake.ts', 'bench/memory.ts imports test/support/fake.ts, which is in no layer'],
    ['tools/x.ts', 'lib/log.ts', 'tools/x.ts is in no layer: add tools/ to scripts/layers.ts'],
  ])('%s -> %s', (from, to, expected) => {
    expect(violation({ from, to })).toBe(expected);
  });
});

describe('importsOf', () => {
  it('finds static, re-exported, side-effect and dynamic imports, as repository paths', () => {
    const source = [
      "import { a } from '../lib/a.js';",
      "import type { B } from './b.js';",
      "export { c } from '../../lib/c.js';",
      "import './side.js';",
      "const d = () => import('../commands/d.js');",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(importsOf('scaler/discovery/x.ts', source).map(({ to }) => to)).toEqual([
      'scaler/lib/a.js',
      'scaler/discovery/b.js',
      'lib/c.js',
      'scaler/discovery/side.js',
      'scaler/commands/d.js',
    ]);
  });
});

describe('unitGraph', () => {
  it('lists each pair of units once, without a unit importing itself', () => {
    const imports = [
      { from: 'hooks/a.ts', to: 'lib/x.js' },
      { from: 'hooks/b.ts', to: 'lib/y.js' },
      { from: 'hooks/b.ts', to: 'hooks/a.js' },
    ];
    expect(unitGraph(imports)).toEqual(['hooks -> lib']);
  });
});
