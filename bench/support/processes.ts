import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The processes a benchmark runs besides itself: the built command line (pinned to a core
 * where `taskset` exists), and what the kernel says about them (CPU time, memory).
 */

/** A path inside the repository (benchmarks run from `dist-bench/bench/`). */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

/** The command line as the benchmarks build it. */
export const BENCH_CLI = fileURLToPath(new URL('../../cli.js', import.meta.url));

/** Whether processes can be pinned to cores here (`taskset`, Linux). */
export const canPin = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** `taskset -c <core>` before a command, where available. */
export function pinned(core: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  return core !== undefined && canPin ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]];
}

/** Moves this process (every thread) to one core; false when that cannot be done here. */
export function pinSelf(core: number): boolean {
  return canPin && spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * `fork()` of a script with an IPC channel, pinned to `core` where possible (taskset execs
 * node, which finds the channel as fork() left it). Its stdout and stderr are this process's.
 */
export function forkPinned(script: string, args: readonly string[], core?: number): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  return core !== undefined && canPin
    ? fork(script, [...args], { execPath: 'taskset', execArgv: ['-c', String(core), process.execPath], stdio })
    : fork(script, [...args], { execArgv: [], stdio });
}

/** The first message from a child, or an error if it exits first. */
export function firstMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the child process exited (${code}) before it answered`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A TCP port free on 127.0.0.1 right now (for commands that do not take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** The process's own pid (not taskset's: taskset execs the command). */
  readonly pid: number;
  /** Everything it wrote so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `node dist-bench/cli.js <args>` with JSON logs, optionally pinned to one core. */
export function startCli(
  args: readonly string[],
  options: { readonly core?: number; readonly env?: Record<string, string> } = {},
): CliProcess {
  const [command, argv] = pinned(options.core, process.execPath, [BENCH_CLI, ...args, '--log-format', 'json']);
  const child = spawn(command, argv, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200; throws with `describe()` after `timeoutMs`. */
export async function waitFor200(url: string, timeoutMs: number, describe: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = `${response.status} ${(await response.text()).trim()}`;
      if (response.status === 200) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n${describe()}`);
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, ...); NaN where there is no /proc. */
export function procStatusBytes(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** User + system CPU time of a process so far, in ms, from /proc/<pid>/stat; NaN where there is no /proc. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / clockTicks;
  } catch {
    return NaN;
  }
}

const clockTicks = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
})();

/** This process's user + system CPU time so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A sample value of a Prometheus text page (the first series of that name). */
export function metricValue(page: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(page);
  return match ? Number(match[1]) : NaN;
}
