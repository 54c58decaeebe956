import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where test/e2e/build.sh puts the Go programs it builds. */
export const BIN = fileURLToPath(new URL('../.bin/', import.meta.url));

/**
 * Runs one of the suite's Go programs with `input` as JSON on stdin and parses its JSON
 * answer. A failure carries the program's stderr, which holds KEDA's own words.
 */
export function runJson<T>(program: string, args: readonly string[], input: unknown, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${BIN}${program}`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${program} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}
