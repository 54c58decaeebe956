import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log.js';
import { realParts } from '../../scaler/parts.js';
import { startScaler, type RunningScaler } from '../../scaler/start.js';
import { createMeasurer, type Measurer } from '../../scaler/measure.js';
import { captureLog, scalerClient, tempDir, triggerConfig, type TestClient, testScalerOptions } from '../scaler/helpers.js';
import { createAuthority, writeTlsDir } from '../scaler/pki.js';
import { BEHAVIOURS, FAMILY, startHostile, type Behaviour, type HostileTarget } from '../support/hostile-targets.js';
import { HOSTILE_CATALOGUE } from './catalogue.js';
import { trapUnhandledRejections } from './traps.js';

/**
 * Every way a replica can misbehave, alone and next to a healthy replica, through the real
 * measurer and through the real scaler (gRPC, mTLS, static targets): the right per-replica
 * reason, an answer within the call's deadline, and nothing left open.
 */

jest.setTimeout(30_000);

const MAX_BODY_BYTES = 256 * 1024;
const THRESHOLD = 10;
/** The healthy replica's value. */
const HEALTHY = 2;
/** Deadline of every call: longer than any quick failure, shorter than scrapeTimeout (30 s). */
const DEADLINE_MS = 800;
/** How late after its deadline a call may come back on a busy machine, and still count as bounded. */
const SLACK_MS = 1000;

let targets: Map<Behaviour, HostileTarget>;
let healthy: HostileTarget;
/** Where `redirect` points: another host name, which must never be asked. */
let elsewhere: HostileTarget;

const options = { maxBodyBytes: MAX_BODY_BYTES };

beforeAll(async () => {
  elsewhere = await startHostile('healthy', options);
  healthy = await startHostile('healthy', { ...options, value: HEALTHY });
  targets = new Map();
  for (const behaviour of BEHAVIOURS) {
    targets.set(behaviour, await startHostile(behaviour, options, `http://localhost:${elsewhere.address.split(':')[1]}/metrics`));
  }
});

afterAll(async () => {
  await Promise.all([elsewhere, healthy, ...targets.values()].map((target) => target?.close()));
});

// Declared after the cleanup above, so that its check runs last.
trapUnhandledRejections();

const target = (behaviour: Behaviour) => targets.get(behaviour) as HostileTarget;

it('the catalogue covers every hostile behaviour once', () => {
  expect(HOSTILE_CATALOGUE.map((entry) => entry.behaviour).sort()).toEqual(
    BEHAVIOURS.filter((behaviour) => behaviour !== 'healthy').sort(),
  );
});

describe('through the measurer', () => {
  let measurer: Measurer;
  const config = triggerConfig({ inferenceSetName: 'hostile', metricName: FAMILY, threshold: String(THRESHOLD), scrapeTimeout: '30s' });

  beforeAll(() => {
    measurer = createMeasurer({
      registry: new Registry(),
      log: createLogger({ level: 'silent', format: 'json' }),
      maxBodyBytes: MAX_BODY_BYTES,
    });
  });
  afterAll(() => measurer.close());

  it.each(HOSTILE_CATALOGUE.map((entry) => [entry.behaviour, entry] as const))(
    '%s: the right outcome, within the deadline',
    async (_name, entry) => {
      const hostile = target(entry.behaviour);
      const started = Date.now();
      const result = await measurer.measure(config, [hostile.url, healthy.url], started + DEADLINE_MS);
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS + SLACK_MS);

      const expected = entry.expect;
      if ('unsupported' in expected) {
        expect(result).toEqual({ ok: false, problem: { reason: 'UnsupportedMetricType', message: expect.stringContaining(hostile.url) } });
        return;
      }
      if (!result.ok) throw new Error(`${result.problem.reason}: ${result.problem.message}`);
      const [outcome, other] = result.value.outcomes;
      expect(other).toEqual({ url: healthy.url, value: HEALTHY });
      if ('value' in expected) {
        expect(outcome).toEqual({ url: hostile.url, value: expected.value });
      } else {
        expect(outcome).toEqual({ url: hostile.url, missing: expected.missing, detail: expect.stringMatching(expected.detail ?? /./) });
        // Details travel in gRPC trailers and logs: never the hostile page itself.
        expect((outcome as { detail: string }).detail.length).toBeLessThanOrEqual(300);
      }
    },
  );

  it('left no connection open to a replica whose answer was cut off', async () => {
    const cut: Behaviour[] = [
      'silent',
      'drip',
      'huge-declared',
      'endless-chunked',
      'gzip-bomb',
      'redirect',
      'huge-headers',
      'reset-mid-body',
      'status-500',
    ];
    const stillOpen: string[] = [];
    for (const behaviour of cut) if (!(await until(() => target(behaviour).open === 0))) stillOpen.push(behaviour);
    expect(stillOpen).toEqual([]);
  });

  it('never followed the redirect to another host', () => {
    expect(target('redirect').requests).toBeGreaterThan(0);
    expect(elsewhere.requests).toBe(0);
  });

  it('keeps measuring healthy replicas afterwards', async () => {
    const result = await measurer.measure(config, [healthy.url], Date.now() + 5000);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: HEALTHY, active: true }) });
  });
});

describe('through the scaler: gRPC with mTLS, static targets', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let scaler: RunningScaler;
  let keda: TestClient;

  /** One InferenceSet per behaviour alone (`<behaviour>`), and one with a healthy replica (`<behaviour>-mixed`). */
  const targetsFile = () =>
    `inferenceSets:\n${HOSTILE_CATALOGUE.flatMap(({ behaviour }) => [
      `  - {namespace: default, name: ${behaviour}, workspaces: ["${target(behaviour).address}"]}`,
      `  - {namespace: default, name: ${behaviour}-mixed, workspaces: ["${target(behaviour).address}", "${healthy.address}"]}`,
    ]).join('\n')}\n`;

  beforeAll(async () => {
    dir = await tempDir('hostile');
    const ca = createAuthority();
    await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
    await writeFile(join(dir.path, 'targets.yaml'), targetsFile());
    const started = await startScaler(
      testScalerOptions({
        tlsDir: join(dir.path, 'tls'),
        targets: join(dir.path, 'targets.yaml'),
        scrapeConcurrency: 64,
        maxBodyBytes: MAX_BODY_BYTES,
        shutdownGraceMs: 1000,
      }),
      captureLog().log,
      realParts,
    );
    if (!started.ok) throw new Error(started.problem.message);
    scaler = started.value;
    keda = scalerClient(scaler.grpcPort, { ca: ca.certificate, ...ca.clientLeaf() });
  });

  afterAll(async () => {
    keda?.close();
    await scaler?.stop();
    await dir?.remove();
  });

  const ref = (name: string) => ({
    name: 'so',
    namespace: 'default',
    scalerMetadata: {
      inferenceSetName: name,
      inferenceSetNamespace: 'default',
      metricName: FAMILY,
      threshold: String(THRESHOLD),
      scrapeTimeout: '30s',
    },
  });

  /** What KEDA gets for the replica alone, and next to a healthy one (θ = 10, healthy = 2). */
  type Want = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly code: string; readonly details: unknown };
  const answers = (entry: (typeof HOSTILE_CATALOGUE)[number]): { alone: Want; mixed: Want } => {
    const expected = entry.expect;
    if ('unsupported' in expected) {
      const refused: Want = {
        ok: false,
        code: 'INVALID_ARGUMENT',
        details: expect.stringMatching(/is a histogram; the sum aggregation reads/),
      };
      return { alone: refused, mixed: refused };
    }
    if ('value' in expected) {
      const clamp = (value: number) => Math.max(0, Math.min(Number.MAX_VALUE, value));
      return { alone: { ok: true, value: clamp(expected.value) }, mixed: { ok: true, value: clamp(expected.value + HEALTHY) } };
    }
    return {
      alone: { ok: false, code: 'UNAVAILABLE', details: expect.stringContaining(`: ${expected.missing} (`) },
      // 2 < θ with one of two replicas missing: the missing one counts as at target.
      mixed: { ok: true, value: HEALTHY + THRESHOLD },
    };
  };

  it.each(HOSTILE_CATALOGUE.map((entry) => [entry.behaviour, entry] as const))(
    '%s: what KEDA gets, within the deadline',
    async (name, entry) => {
      const expected = answers(entry);
      for (const [set, want] of [
        [name, expected.alone],
        [`${name}-mixed`, expected.mixed],
      ] as Array<[string, Want]>) {
        const started = Date.now();
        const outcome = await keda.getMetrics(ref(set), DEADLINE_MS);
        expect(Date.now() - started).toBeLessThan(DEADLINE_MS + SLACK_MS);
        if (want.ok) {
          expect(outcome).toEqual({ ok: true, response: { metricValues: [expect.objectContaining({ metricValueFloat: want.value })] } });
        } else {
          expect(outcome).toEqual({ ok: false, code: want.code, details: want.details });
          // A message KEDA logs and puts into an Event: a few replicas' reasons, not a page.
          expect((outcome as { details: string }).details.length).toBeLessThan(4096);
        }
      }
    },
  );

  it('keeps serving: healthy InferenceSets answer, and the process is ready', async () => {
    expect(await keda.getMetrics(ref('empty-mixed'))).toEqual({
      ok: true,
      response: { metricValues: [expect.objectContaining({ metricValueFloat: HEALTHY + THRESHOLD })] },
    });
    expect(scaler.notReadyReasons()).toEqual([]);
    expect(elsewhere.requests).toBe(0);
  });
});

/** Polls `check` every 20 ms for up to 5 s. */
async function until(check: () => boolean): Promise<boolean> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
