import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name ...]`: runs each benchmark (every `bench/<name>.ts` but this one) in
 * a process of its own, so that one's heap and sockets never weigh on the next, then
 * repeats every `BENCH` summary line together. Exit code 1 when a benchmark failed, printed
 * no summary line, or missed a target.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.js') && file !== 'run.js')
  .map((file) => file.slice(0, -3));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);

const summaries: string[] = [];
let failed = false;
const started = Date.now();
for (const name of wanted.length > 0 ? wanted : all) {
  const began = Date.now();
  const lines: string[] = [];
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [`${here}${name}.js`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      lines.push(...complete);
    });
    child.on('close', (code) => {
      if (pending !== '') lines.push(pending);
      resolve(code);
    });
  });
  const seconds = ((Date.now() - began) / 1000).toFixed(0);
  const own = lines.filter((line) => line.startsWith('BENCH '));
  if (status !== 0) summaries.push(`BENCH ${name} FAILED (exit code ${status}, ${seconds} s)`);
  else if (own.length === 0) summaries.push(`BENCH ${name} FAILED (no summary line, ${seconds} s)`);
  else summaries.push(...own.map((line) => `${line} (${seconds} s)`));
  if (status !== 0 || own.length === 0 || own.some((line) => !line.endsWith(' met'))) failed = true;
}
console.log(`\nall benchmarks, ${((Date.now() - started) / 1000).toFixed(0)} s:`);
for (const line of summaries) console.log(line);
process.exit(failed ? 1 : 0);
