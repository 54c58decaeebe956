import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort, start, type Running } from '../support/cli.js';
import { eventually, scalerClient, tempDir, type Outcome } from '../scaler/helpers.js';
import { createAuthority, writeTlsDir } from '../scaler/pki.js';
import { FAMILY, startHostile, type HostileTarget } from '../support/hostile-targets.js';
import { trapUnhandledRejections } from './traps.js';

/**
 * SIGTERM to the real `scaler` and `hooks` processes (what the kubelet sends when a Pod
 * goes): calls in flight are answered, new ones are refused, and the process exits with 0
 * within its grace period and a little more, even when a call would outlast it.
 */

jest.setTimeout(40_000);

/** Beyond the grace period: the time a process may take to close sockets and exit on a busy machine. */
const EXIT_SLACK_MS = 2500;
const SCALER_GRACE_MS = 3000;
/** The hooks' grace period (hooks/start.ts). */
const HOOKS_GRACE_MS = 10_000;

/** Sends SIGTERM; resolves with the exit code and how long the process took to exit. */
async function terminate(process: Running): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const code = await process.stop(60_000);
  return { code, ms: Date.now() - started };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
const ca = createAuthority();
const client = ca.clientLeaf();
let slow: HostileTarget;
let hanging: HostileTarget;

beforeAll(async () => {
  dir = await tempDir('shutdown');
  await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
  slow = await startHostile('healthy', { maxBodyBytes: 1 << 20, value: 6, delayMs: 1000 });
  hanging = await startHostile('silent', { maxBodyBytes: 1 << 20 });
  await writeFile(
    join(dir.path, 'targets.yaml'),
    `inferenceSets:\n  - {namespace: default, name: slow, workspaces: ["${slow.address}"]}\n  - {namespace: default, name: hanging, workspaces: ["${hanging.address}"]}\n`,
  );
});

afterAll(async () => {
  await Promise.all([slow?.close(), hanging?.close()]);
  await dir?.remove();
});

// Declared after the cleanup above, so that its check runs last.
trapUnhandledRejections();

const ref = (name: string) => ({
  name: 'so',
  namespace: 'default',
  scalerMetadata: { inferenceSetName: name, inferenceSetNamespace: 'default', metricName: FAMILY, threshold: '10', scrapeTimeout: '60s' },
});

async function startScalerProcess(graceMs: number): Promise<{ process: Running; grpcPort: number; httpPort: number }> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const process = start(
    ['scaler', '--tls-dir', join(dir.path, 'tls'), '--targets', join(dir.path, 'targets.yaml'), '--host', '127.0.0.1'],
    {
      KKS_GRPC_PORT: String(grpcPort),
      KKS_HTTP_PORT: String(httpPort),
      KKS_SHUTDOWN_GRACE_MS: String(graceMs),
    },
  );
  await process.waitForLog('scaler started');
  return { process, grpcPort, httpPort };
}

describe('scaler', () => {
  it('drains the calls in flight, refuses new ones, is not ready meanwhile, and exits 0', async () => {
    const { process, grpcPort, httpPort } = await startScalerProcess(SCALER_GRACE_MS);
    const keda = scalerClient(grpcPort, { ca: ca.certificate, ...client });
    try {
      const before = slow.requests;
      const inFlight = Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0 ? keda.getMetrics(ref('slow'), 10_000) : keda.isActive(ref('slow'), 10_000),
      );
      await eventually('the calls to reach the slow replica', () => slow.requests > before);
      const exit = terminate(process);
      await process.waitForLog('stopping');
      const readyz = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
        async (response) => `${response.status} ${await response.text()}`,
      );
      expect(readyz).toBe('503 not ready: shutting down\n');
      const late = scalerClient(grpcPort, { ca: ca.certificate, ...client });
      expect(await late.getMetricSpec(ref('slow'), 2000)).toEqual(expect.objectContaining({ ok: false }));
      late.close();

      const answers = await Promise.all(inFlight);
      const wrong = answers.filter((answer: Outcome<unknown>, index) =>
        index % 2 === 0
          ? JSON.stringify(answer) !==
            JSON.stringify({
              ok: true,
              response: {
                metricValues: [{ metricName: 'kaito-default-slow-vllm-num-requests-waiting', metricValue: 6, metricValueFloat: 6 }],
              },
            })
          : JSON.stringify(answer) !== JSON.stringify({ ok: true, response: { result: true } }),
      );
      expect(wrong).toEqual([]);
      const { code, ms } = await exit;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(SCALER_GRACE_MS + EXIT_SLACK_MS);
      await process.waitForLog('stopped');
    } finally {
      keda.close();
      await process.stop();
    }
  });

  it('a call that would outlast the grace period is cut at its end: the caller gets an error, the process exits 0 in time', async () => {
    const graceMs = 1000;
    const { process, grpcPort } = await startScalerProcess(graceMs);
    const keda = scalerClient(grpcPort, { ca: ca.certificate, ...client });
    try {
      const before = hanging.requests;
      const inFlight = keda.getMetrics(ref('hanging'), 30_000);
      await eventually('the call to reach the hanging replica', () => hanging.requests > before);
      const { code, ms } = await terminate(process);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(graceMs + EXIT_SLACK_MS);
      expect(await inFlight).toEqual(expect.objectContaining({ ok: false }));
      expect(process.output()).toContain('gRPC calls still open after the grace period: closing them');
    } finally {
      keda.close();
      await process.stop();
    }
  });
});

describe('hooks', () => {
  const body = readFileSync(new URL('../../examples/sync-decorator.json', import.meta.url));

  async function startHooks(): Promise<{ process: Running; port: number }> {
    const process = start(['hooks', '--port', '0']);
    const line = await process.waitForLog('hooks serving');
    return { process, port: Number(line['port']) };
  }

  it('answers a request in flight (its body still arriving), then closes its connection; idle ones do not hold it; exits 0', async () => {
    const { process, port } = await startHooks();
    const keepAlive = new Agent({ keepAlive: true });
    try {
      // An idle keep-alive connection, as Metacontroller keeps one between syncs.
      await new Promise<void>((resolve, reject) =>
        httpRequest({ port, host: '127.0.0.1', path: '/healthz', agent: new Agent({ keepAlive: true }) }, (response) =>
          response.resume().on('end', resolve),
        )
          .on('error', reject)
          .end(),
      );

      // A sync on a keep-alive connection, its body half sent when SIGTERM arrives.
      let answeredAt = 0;
      let socketClosedAt = 0;
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const sending = httpRequest(
          {
            port,
            host: '127.0.0.1',
            path: '/sync',
            method: 'POST',
            agent: keepAlive,
            headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => {
              answeredAt = Date.now();
              resolve({ status: response.statusCode ?? 0, text });
            });
          },
        );
        sending.on('socket', (socket) => socket.on('close', () => (socketClosedAt = Date.now())));
        sending.on('error', reject);
        sending.write(body.subarray(0, 100));
        setTimeout(() => sending.end(body.subarray(100)), 500);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const exit = terminate(process);
      const answered = await answer;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.text)).toEqual({ attachments: [expect.objectContaining({ kind: 'ScaledObject' })] });
      const { code, ms } = await exit;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(HOOKS_GRACE_MS + EXIT_SLACK_MS);
      // Its connection was closed once idle, not left to the 5 s keep-alive timeout.
      await eventually('the connection to be closed', () => socketClosedAt > 0);
      expect(socketClosedAt - answeredAt).toBeLessThan(2000);
    } finally {
      keepAlive.destroy();
      await process.stop();
    }
  });
});

describe('SIGHUP (a terminal closing, or an operator asking for a reload)', () => {
  it('the scaler re-reads its TLS files, answers the call in flight and keeps serving', async () => {
    const { process, grpcPort } = await startScalerProcess(SCALER_GRACE_MS);
    const keda = scalerClient(grpcPort, { ca: ca.certificate, ...client });
    try {
      const before = slow.requests;
      const inFlight = keda.getMetrics(ref('slow'), 10_000);
      await eventually('the call to reach the slow replica', () => slow.requests > before);
      process.child.kill('SIGHUP');
      await process.waitForLog('SIGHUP: re-reading the TLS files');
      expect(await inFlight).toEqual(expect.objectContaining({ ok: true }));
      expect(await keda.getMetricSpec(ref('slow'))).toEqual(expect.objectContaining({ ok: true }));
      expect(process.child.exitCode).toBeNull();
    } finally {
      keda.close();
      await process.stop();
    }
  });

  it('the hooks log it, ignore it and keep serving', async () => {
    const process = start(['hooks', '--port', '0']);
    try {
      const port = Number((await process.waitForLog('hooks serving'))['port']);
      process.child.kill('SIGHUP');
      await process.waitForLog('SIGHUP ignored: nothing to reload (SIGTERM stops the process)');
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
      expect(process.child.exitCode).toBeNull();
    } finally {
      expect(await process.stop(30_000)).toBe(0);
    }
  });

  it('while the hooks start (before they say they serve), it is handled once they do', async () => {
    // The hangup lands at a fixed point of the start-up: just before the server listens.
    const hangupOnListen =
      "import net from 'node:net'; const listen = net.Server.prototype.listen; " +
      "net.Server.prototype.listen = function (...args) { process.kill(process.pid, 'SIGHUP'); return listen.apply(this, args); };";
    const process = start(['hooks', '--port', '0'], {
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(hangupOnListen)}`,
    });
    try {
      const port = Number((await process.waitForLog('hooks serving'))['port']);
      await process.waitForLog('SIGHUP ignored: nothing to reload (SIGTERM stops the process)');
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
      expect(process.child.exitCode).toBeNull();
    } finally {
      expect(await process.stop(30_000)).toBe(0);
    }
  });
});
