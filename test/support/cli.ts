import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built command line (`npm test` builds before jest runs). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface Running {
  readonly child: ChildProcess;
  /** Resolves with the first JSON log line that has this message. */
  waitForLog(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly output: () => string;
}

/** Starts `node dist/cli.js <args>` with JSON logs, for tests of the real process. */
export function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args, '--log-format', 'json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  const waiters: Array<{ message: string; resolve: (line: Record<string, unknown>) => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      const line = logs.find((log) => log['msg'] === waiter.message);
      if (!line) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
    settle();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitForLog(message, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log "${message}" within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
        waiters.push({
          message,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        settle();
      });
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A port of 127.0.0.1 free a moment ago, for a process that must be told its port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
