import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name ...]`: runs each benchmark in a process of its own, so that one's
 * heap and sockets never weigh on the next.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.js') && !['run.js', 'report.js', 'http-load.js'].includes(file) && !file.startsWith('support-'))
  .map((file) => file.slice(0, -3));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores (${(await import('node:os')).cpus()[0]?.model ?? 'unknown'})`);
let failed = false;
for (const name of wanted.length > 0 ? wanted : all) {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--expose-gc', `${here}${name}.js`], { stdio: 'inherit' });
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
