import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./prometheus-client-replica.py', import.meta.url));

/**
 * A Python that can import prometheus_client (Debian's python3-prometheus-client installs
 * it for /usr/bin/python3, which .ci/run does); an error saying how to get one otherwise.
 */
export function pythonWithPrometheusClient(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import prometheus_client'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('no python3 with prometheus_client: apt-get install -y python3-prometheus-client (as .ci/run does)');
}

/** A replica served by prometheus_client (test/support/prometheus-client-replica.py). */
export interface PythonReplica {
  readonly url: string;
  /** Runs one command ("observe 1.5", "tokens 100") and waits for its "ok". */
  send(command: string): Promise<void>;
  /** Kills the process and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startPythonReplica(python: string, port: number): Promise<PythonReplica> {
  const child: ChildProcess = spawn(python, [SCRIPT, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Python replica on port ${port} did not answer`)), 15_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const listening = await next();
  if (listening !== `listening ${port}`) throw new Error(`the Python replica said ${JSON.stringify(listening)}`);
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    async send(command) {
      const answer = next();
      child.stdin?.write(`${command}\n`);
      if ((await answer) !== 'ok') throw new Error(`the Python replica refused ${command}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
