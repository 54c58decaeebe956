import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { importsOf, unitGraph, violation } from './layers.js';

// Every tracked TypeScript module outside test/ (tests may import any layer).
const files = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' })
  .split('\n')
  .filter((path) => path !== '' && !path.startsWith('test/') && !path.endsWith('.d.ts'));
const imports = files.flatMap((path) => importsOf(path, readFileSync(path, 'utf8')));
const problems = imports.map(violation).filter((problem) => problem !== undefined);

if (process.argv.includes('--graph')) console.log(unitGraph(imports).join('\n'));
if (problems.length > 0) {
  console.error(`layering: ${problems.length} import(s) reach up (layers in scripts/layers.ts):\n${problems.join('\n')}`);
  process.exitCode = 1;
} else {
  console.log(`layering: ${files.length} modules, ${imports.length} relative imports, none reaches up`);
}
