import { writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import request from 'supertest';
import { fail, ok } from '../../lib/result.js';
import { startScaler, type RunningScaler, type ScalerParts } from '../../scaler/start.js';
import { startStaticDiscovery } from '../../scaler/discovery/static.js';
import type { ScalerOptions } from '../../schemas/scaler-options.js';
import { triggerConfig } from './trigger-config.js';
import { captureLog, eventually, scalerClient, tempDir, testScalerOptions, triggerMetadata } from './helpers.js';
import { createAuthority, writeTlsDir, type Pem, type TestAuthority } from './pki.js';

/**
 * The gRPC shell over real mTLS, with a core whose measurements the test controls: what
 * reaches the network, who is let in, how errors travel, how the server stops.
 */

const measured = new Map<string, number>();
let release: (() => void) | undefined;

const parts: ScalerParts = {
  createCore: () => ({
    parseTriggerMetadata: (metadata) => {
      const threshold = Number(metadata['threshold']);
      if (!metadata['inferenceSetName'] || !metadata['inferenceSetNamespace'] || !metadata['metricName']) {
        return fail('InvalidMetadata', 'metadata keys inferenceSetName, inferenceSetNamespace and metricName are required');
      }
      if (!(threshold > 0)) return fail('InvalidMetadata', 'metadata key threshold must be a number greater than 0');
      return ok(
        triggerConfig({
          inferenceSetName: metadata['inferenceSetName'],
          inferenceSetNamespace: metadata['inferenceSetNamespace'],
          metricName: metadata['metricName'],
          threshold,
        }),
      );
    },
    targetUrls: (_config, _namespace, workspaces) => workspaces.map((ws) => `http://${ws.address}/metrics`),
    async measure(_config, urls) {
      if (urls.some((url) => url.includes(':9999/'))) await new Promise<void>((resolve) => (release = resolve));
      const values = urls.map((url) => measured.get(url)).filter((value): value is number => value !== undefined);
      if (values.length === 0) return fail('NoSamples', `no replica answered: ${urls.map((url) => `${url} Unreachable`).join(', ')}`);
      const value = values.reduce((a, b) => a + b, 0);
      return ok({ value, active: value > 0 });
    },
    close: () => undefined,
  }),
  startDiscovery: ({ targets, log }) => startStaticDiscovery({ file: targets!, log, watch: false }),
};

const targets = `
inferenceSets:
  - namespace: default
    name: phi-4
    allowedNamespaces: [team-b]
    workspaces: [127.0.0.1:9001, 127.0.0.1:9002]
  - namespace: default
    name: idle
    workspaces: [127.0.0.1:9003]
  - namespace: default
    name: slow
    workspaces: [127.0.0.1:9999]
`;

const ref = (namespace = 'default', scalerMetadata: Record<string, string> = triggerMetadata()) => ({
  name: 'so',
  namespace,
  scalerMetadata,
});

const options = (dir: string, tlsDir: string): ScalerOptions =>
  testScalerOptions({ tlsDir, targets: join(dir, 'targets.yaml'), scrapeConcurrency: 8, shutdownGraceMs: 5000, logLevel: 'debug' });

let dir: Awaited<ReturnType<typeof tempDir>>;
let ca: TestAuthority;
let client: Pem;
let scaler: RunningScaler;
const captured = captureLog();

beforeAll(async () => {
  dir = await tempDir('server');
  ca = createAuthority();
  client = ca.clientLeaf();
  await writeFile(join(dir.path, 'targets.yaml'), targets);
  await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
  measured.set('http://127.0.0.1:9001/metrics', 5).set('http://127.0.0.1:9002/metrics', 7).set('http://127.0.0.1:9003/metrics', 0);
  const started = await startScaler(options(dir.path, join(dir.path, 'tls')), captured.log, parts);
  if (!started.ok) throw new Error(started.problem.message);
  scaler = started.value;
});

afterAll(async () => {
  release?.();
  await scaler?.stop();
  await dir.remove();
});

const trusted = () => scalerClient(scaler.grpcPort, { ca: ca.certificate, ...client });

describe('the scaler over gRPC with mTLS', () => {
  it('answers GetMetricSpec, GetMetrics and IsActive to a client with a certificate of its CA', async () => {
    const keda = trusted();
    try {
      expect(await keda.getMetricSpec(ref())).toEqual({
        ok: true,
        response: { metricSpecs: [{ metricName: 'kaito-default-phi-4-vllm-num-requests-waiting', targetSize: 10, targetSizeFloat: 10 }] },
      });
      expect(await keda.getMetrics(ref())).toEqual({
        ok: true,
        response: {
          metricValues: [{ metricName: 'kaito-default-phi-4-vllm-num-requests-waiting', metricValue: 12, metricValueFloat: 12 }],
        },
      });
      expect(await keda.isActive(ref())).toEqual({ ok: true, response: { result: true } });
      expect(await keda.isActive(ref('default', triggerMetadata('idle')))).toEqual({ ok: true, response: { result: false } });
    } finally {
      keda.close();
    }
  });

  it('refuses a client without a certificate', async () => {
    const anonymous = scalerClient(scaler.grpcPort, { ca: ca.certificate });
    try {
      const outcome = await anonymous.getMetricSpec(ref());
      expect(outcome).toEqual({
        ok: false,
        code: 'UNAVAILABLE',
        details: expect.stringMatching(/certificate required|disconnected|handshake/i),
      });
      // The scaler says so too: the first refusal is logged at warn with the peer and the reason.
      await eventually('the refusal to be logged', () => captured.messages().includes('TLS handshake refused'));
      expect(captured.lines.find((line) => line['msg'] === 'TLS handshake refused')).toEqual(
        expect.objectContaining({
          level: 'warn',
          peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
          reason: expect.stringMatching(/peer did not return a certificate/),
        }),
      );
    } finally {
      anonymous.close();
    }
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const stranger = createAuthority();
    const foreign = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...stranger.clientLeaf() });
    try {
      expect(await foreign.getMetricSpec(ref())).toEqual({ ok: false, code: 'UNAVAILABLE', details: expect.any(String) });
    } finally {
      foreign.close();
    }
  });

  it("refuses a client that does not trust the server's CA (no answer leaks to it)", async () => {
    const stranger = createAuthority();
    const misconfigured = scalerClient(scaler.grpcPort, { ca: stranger.certificate, ...client });
    try {
      expect(await misconfigured.getMetricSpec(ref())).toEqual({ ok: false, code: 'UNAVAILABLE', details: expect.any(String) });
    } finally {
      misconfigured.close();
    }
  });

  it('refuses a cross-namespace read, admits one the InferenceSet allows', async () => {
    const keda = trusted();
    try {
      expect(await keda.getMetrics(ref('team-c'))).toEqual({
        ok: false,
        code: 'PERMISSION_DENIED',
        details: expect.stringContaining('ScaledObjects in namespace "team-c" may not read InferenceSet default/phi-4'),
      });
      expect(await keda.isActive(ref('team-c'))).toEqual(expect.objectContaining({ ok: false, code: 'PERMISSION_DENIED' }));
      expect(await keda.getMetrics(ref('team-b'))).toEqual(expect.objectContaining({ ok: true }));
    } finally {
      keda.close();
    }
  });

  it('answers a caller namespace of 64 KB with a short PERMISSION_DENIED, and the channel keeps working', async () => {
    const keda = trusted();
    try {
      for (const method of ['getMetrics', 'isActive'] as const) {
        const refused = await keda[method](ref('n'.repeat(65_536)), 5000);
        expect(refused).toEqual({ ok: false, code: 'PERMISSION_DENIED', details: expect.stringContaining('... (65536 characters)') });
        expect(!refused.ok && refused.details.length).toBeLessThan(1000);
      }
      expect(await keda.getMetrics(ref(), 5000)).toEqual(expect.objectContaining({ ok: true }));
    } finally {
      keda.close();
    }
  });

  it.each([
    ['unknown InferenceSet', ref('default', triggerMetadata('nope')), 'NOT_FOUND', /InferenceSet default\/nope does not exist/],
    ['bad metadata', ref('default', triggerMetadata('phi-4', { threshold: '-1' })), 'INVALID_ARGUMENT', /threshold/],
  ] as const)('carries the cause of a failure: %s', async (_name, request, code, details) => {
    const keda = trusted();
    try {
      expect(await keda.getMetrics(request)).toEqual({ ok: false, code, details: expect.stringMatching(details) });
      expect(await keda.isActive(request)).toEqual(expect.objectContaining({ ok: false, code }));
    } finally {
      keda.close();
    }
  });

  it('answers UNAVAILABLE with the per-replica reasons when no replica answered', async () => {
    measured.delete('http://127.0.0.1:9003/metrics');
    const keda = trusted();
    try {
      expect(await keda.getMetrics(ref('default', triggerMetadata('idle')))).toEqual({
        ok: false,
        code: 'UNAVAILABLE',
        details:
          'InferenceSet default/idle, metric vllm:num_requests_waiting: no replica answered: http://127.0.0.1:9003/metrics Unreachable',
      });
    } finally {
      measured.set('http://127.0.0.1:9003/metrics', 0);
      keda.close();
    }
  });

  it('answers StreamIsActive with UNIMPLEMENTED', async () => {
    const keda = trusted();
    try {
      expect(await keda.streamIsActive(ref())).toEqual({
        ok: false,
        code: 'UNIMPLEMENTED',
        details: expect.stringContaining('StreamIsActive is not implemented'),
      });
    } finally {
      keda.close();
    }
  });

  it('counts RPCs by method and code in /metrics, next to the process metrics', async () => {
    const response = await request(`http://127.0.0.1:${scaler.httpPort}`).get('/metrics').expect(200);
    expect(response.text).toMatch(/kks_rpc_requests_total\{method="GetMetrics",code="OK"\} [1-9]/);
    expect(response.text).toMatch(/kks_rpc_requests_total\{method="GetMetrics",code="PERMISSION_DENIED"\} [1-9]/);
    expect(response.text).toMatch(/kks_rpc_requests_total\{method="StreamIsActive",code="UNIMPLEMENTED"\} 1/);
    expect(response.text).toMatch(/kks_rpc_duration_seconds_bucket\{le="[0-9.]+",method="IsActive"\}/);
    expect(response.text).toMatch(/kks_tls_certificate_expiry_timestamp_seconds \d+/);
    expect(response.text).toContain('process_resident_memory_bytes');
  });

  it('is ready, with nothing standing in the way', async () => {
    await request(`http://127.0.0.1:${scaler.httpPort}`).get('/readyz').expect(200, 'ready\n');
    expect(scaler.notReadyReasons()).toEqual([]);
  });
});

describe('TLS peers', () => {
  /** A raw TLS handshake with the gRPC port: the negotiated protocol and ALPN, or the error code. */
  const handshake = (extra: ConnectionOptions) =>
    new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: scaler.grpcPort,
        servername: 'localhost',
        ca: ca.certificate,
        cert: client.certificate,
        key: client.privateKey,
        ...extra,
      });
      socket.on('secureConnect', () => {
        resolve(`${socket.getProtocol()} ${socket.alpnProtocol || 'no-alpn'}`);
        socket.destroy();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });

  it('speaks HTTP/2 by ALPN over TLS 1.3', async () => {
    expect(await handshake({ ALPNProtocols: ['h2'] })).toBe('TLSv1.3 h2');
  });

  it('accepts TLS 1.2', async () => {
    expect(await handshake({ ALPNProtocols: ['h2'], maxVersion: 'TLSv1.2' })).toBe('TLSv1.2 h2');
  });

  it('refuses TLS 1.1 with a protocol_version alert', async () => {
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toBe(
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    );
  });

  it('keeps serving after bytes that are not TLS, and a peer that vanishes mid-handshake', async () => {
    await new Promise<void>((resolve) => {
      const socket = tcpConnect(scaler.grpcPort, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n\u0000\u00ff garbage'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: scaler.grpcPort, servername: 'localhost', ca: ca.certificate });
      socket.on('error', () => resolve());
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
    });
    const keda = trusted();
    try {
      expect(await keda.getMetricSpec(ref())).toEqual(expect.objectContaining({ ok: true }));
    } finally {
      keda.close();
    }
  });
});

describe('scaler start and stop', () => {
  it('refuses gRPC and is not ready until the TLS files exist, then serves', async () => {
    const tlsDir = join(dir.path, 'late-tls');
    const started = await startScaler(options(dir.path, tlsDir), captureLog().log, parts);
    if (!started.ok) throw new Error(started.problem.message);
    const late = started.value;
    const http = request(`http://127.0.0.1:${late.httpPort}`);
    try {
      const notReady = await http.get('/readyz').expect(503);
      expect(notReady.text).toMatch(/^not ready: TLS files not loaded from .*late-tls: missing or empty: ca.crt, tls.crt, tls.key\n$/);
      await http.get('/healthz').expect(200);
      const early = scalerClient(late.grpcPort, { ca: ca.certificate, ...client });
      expect(await early.getMetricSpec(ref())).toEqual(expect.objectContaining({ ok: false, code: 'UNAVAILABLE' }));
      early.close();

      await writeTlsDir(tlsDir, [ca], ca.serverLeaf());
      await eventually('readiness', async () => (await http.get('/readyz')).status === 200);
      const keda = scalerClient(late.grpcPort, { ca: ca.certificate, ...client });
      expect(await keda.getMetrics(ref())).toEqual(expect.objectContaining({ ok: true }));
      keda.close();
    } finally {
      await late.stop();
    }
  }, 20_000);

  it('keeps serving with the previous TLS files when a pair from another CA replaces them, and says so on /readyz', async () => {
    const tlsDir = join(dir.path, 'replaced-tls');
    await writeTlsDir(tlsDir, [ca], ca.serverLeaf());
    const started = await startScaler(options(dir.path, tlsDir), captureLog().log, parts);
    if (!started.ok) throw new Error(started.problem.message);
    const running = started.value;
    const http = request(`http://127.0.0.1:${running.httpPort}`);
    try {
      const stranger = createAuthority().serverLeaf();
      await writeFile(join(tlsDir, 'tls.crt'), stranger.certificate);
      await writeFile(join(tlsDir, 'tls.key'), stranger.privateKey);
      await eventually('the refused pair on /readyz', async () =>
        /UntrustedCertificate|is not signed by a CA/.test((await http.get('/readyz')).text),
      );
      const ready = await http.get('/readyz').expect(200);
      expect(ready.text).toMatch(
        /^ready\nwarning: TLS files rejected, serving the previous ones \(.*\): .*replaced-tls: tls.crt .* is not signed by a CA in ca.crt/,
      );
      const keda = scalerClient(running.grpcPort, { ca: ca.certificate, ...client });
      expect(await keda.getMetrics(ref())).toEqual(expect.objectContaining({ ok: true }));
      keda.close();
    } finally {
      await running.stop();
    }
  }, 20_000);

  it('a targets file that cannot be used stops the start with its message', async () => {
    await writeFile(join(dir.path, 'bad.yaml'), 'inferenceSets:\n  - {namespace: default, name: a, workspaces: [nope]}\n');
    const started = await startScaler(
      { ...options(dir.path, join(dir.path, 'tls')), targets: join(dir.path, 'bad.yaml') },
      captureLog().log,
      parts,
    );
    expect(started).toEqual({
      ok: false,
      problem: {
        reason: 'InvalidTargets',
        message: expect.stringMatching(/bad.yaml: targets entry inferenceSets\[0\]\.workspaces\[0\] is "nope"/),
      },
    });
  });

  it('a port in use stops the start with a message naming it', async () => {
    const started = await startScaler({ ...options(dir.path, join(dir.path, 'tls')), httpPort: scaler.httpPort }, captureLog().log, parts);
    expect(started).toEqual({
      ok: false,
      problem: {
        reason: 'CannotListen',
        message: expect.stringContaining(`port ${scaler.httpPort} on 127.0.0.1, for the scaler's health and metrics server, is in use`),
      },
    });
  });

  it('stopping lets a call in flight finish and refuses new ones', async () => {
    const started = await startScaler(options(dir.path, join(dir.path, 'tls')), captured.log, parts);
    if (!started.ok) throw new Error(started.problem.message);
    const stopping = started.value;
    const keda = scalerClient(stopping.grpcPort, { ca: ca.certificate, ...client });
    try {
      measured.set('http://127.0.0.1:9999/metrics', 3);
      const inFlight = keda.getMetrics(ref('default', triggerMetadata('slow')), 10_000);
      await eventually('the call to be in flight', () => release !== undefined);
      const stopped = stopping.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stopping.notReadyReasons()).toContain('shutting down');
      release?.();
      release = undefined;
      expect(await inFlight).toEqual({ ok: true, response: { metricValues: [expect.objectContaining({ metricValueFloat: 3 })] } });
      await stopped;
      const after = scalerClient(stopping.grpcPort, { ca: ca.certificate, ...client });
      expect(await after.getMetricSpec(ref(), 1000)).toEqual(expect.objectContaining({ ok: false }));
      after.close();
    } finally {
      keda.close();
    }
  });
});
