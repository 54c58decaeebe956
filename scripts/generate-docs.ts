import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generatedTables, regenerate } from './docs-tables.js';

// `node dist-docs/scripts/generate-docs.js` rewrites the generated tables of README.md and docs/*.md;
// with `--check` it writes nothing and exits 1 when a file is not what the schemas give now.
const root = new URL('../../', import.meta.url);
const check = process.argv.includes('--check');
const files = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const tables = generatedTables();

let failed = false;
for (const file of files) {
  const url = new URL(file, root);
  const text = readFileSync(url, 'utf8');
  const result = regenerate(text, tables);
  if (!result.ok) {
    console.error(`${file}: ${result.problem.message}`);
    failed = true;
  } else if (result.value !== text) {
    if (check) {
      console.error(`${file}: a generated table is stale or was edited by hand: run \`npm run docs:generate\` and commit the result`);
      failed = true;
    } else {
      writeFileSync(url, result.value);
      console.log(`${file}: tables regenerated`);
    }
  }
}
if (check && !failed) console.log('the generated tables of README.md and docs/ match the schemas');
process.exitCode = failed ? 1 : 0;
