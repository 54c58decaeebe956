import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { fail, ok } from '../../lib/result.js';
import { createMeasurer, type ObservedMeasurement } from '../../scaler/measure.js';
import { createRecorder, recordOf, RECORD_FILE } from '../../scaler/record.js';
import { validateRecordingLine } from '../../schemas/recording.js';
import { parseRecording } from '../../simulate/replay.js';
import { realParts } from '../../scaler/parts.js';
import { startScaler } from '../../scaler/start.js';
import { captureLog, eventually, scalerClient, tempDir, testScalerOptions, triggerConfig, triggerMetadata } from './helpers.js';
import { createAuthority, writeTlsDir } from './pki.js';
import { page, startTarget, waiting } from './local-targets.js';

const config = triggerConfig();
const T0 = Date.parse('2026-03-03T10:00:00.000Z');

const seen = (value: number): ObservedMeasurement => ({
  config,
  outcomes: [
    { url: 'http://a/metrics', value },
    { url: 'http://b/metrics', missing: 'Timeout', detail: 'no answer in 3000 ms' },
  ],
  result: ok({ value: value + 10, active: true, outcomes: [] }),
});

describe('recordOf: what one measurement saw, as a line simulate --replay reads', () => {
  it.each<[string, ObservedMeasurement, object]>([
    [
      'an answer: each replica value or reason, and the value KEDA got',
      seen(2),
      {
        value: 12,
        replicas: [
          { url: 'http://a/metrics', value: 2 },
          { url: 'http://b/metrics', reason: 'Timeout' },
        ],
      },
    ],
    [
      'no answer: the reason KEDA got instead',
      { config, outcomes: [], result: fail('NoTargets', 'the InferenceSet has no replicas (Workspaces) to scrape') },
      { replicas: [], problem: { reason: 'NoTargets', message: 'the InferenceSet has no replicas (Workspaces) to scrape' } },
    ],
  ])('%s', (_, observed, expected) => {
    const line = recordOf(observed, T0);
    expect(line).toEqual({
      time: '2026-03-03T10:00:00.000Z',
      namespace: 'default',
      inferenceSet: 'phi-4',
      metric: 'vllm:num_requests_waiting',
      aggregation: 'sum',
      threshold: 10,
      ...expected,
    });
    expect(validateRecordingLine(JSON.parse(JSON.stringify(line))).ok).toBe(true);
  });
});

describe('createRecorder', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('record');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('appends one line per measurement, which simulate --replay reads back', () => {
    let now = T0;
    const recorder = createRecorder({ dir: join(dir.path, 'rec'), maxBytes: 1 << 20, files: 2, log: captureLog().log, now: () => now });
    for (let index = 0; index < 3; index += 1) {
      recorder.observe(seen(index));
      now += 15_000;
    }
    recorder.close();
    const recording = parseRecording(readFileSync(join(dir.path, 'rec', RECORD_FILE), 'utf8'), RECORD_FILE);
    expect(recording.ok && recording.value.records.map((record) => [record.at, record.value])).toEqual([
      [0, 10],
      [15, 11],
      [30, 12],
    ]);
  });

  it('rotates at maxBytes and keeps `files` old files: the folder stays bounded', () => {
    const recorder = createRecorder({ dir: dir.path, maxBytes: 4096, files: 2, log: captureLog().log, now: () => T0 });
    for (let index = 0; index < 500; index += 1) recorder.observe(seen(index));
    recorder.close();
    expect(readdirSync(dir.path).sort()).toEqual(['measurements.1.jsonl', 'measurements.2.jsonl', RECORD_FILE]);
    for (const file of readdirSync(dir.path)) {
      expect(statSync(join(dir.path, file)).size).toBeLessThanOrEqual(4096);
      for (const line of readFileSync(join(dir.path, file), 'utf8').trim().split('\n'))
        expect(validateRecordingLine(JSON.parse(line)).ok).toBe(true);
    }
    // The newest line is in the current file, the lines just before it in .1.
    const last = readFileSync(join(dir.path, RECORD_FILE), 'utf8').trim().split('\n').at(-1);
    expect(JSON.parse(last!).value).toBe(509);
  });

  it('keeps going when it cannot write: one warning, no exception, and it recovers', () => {
    const blocked = join(dir.path, 'blocked');
    writeFileSync(blocked, 'a file where the folder should be');
    const logs = captureLog();
    const recorder = createRecorder({ dir: blocked, maxBytes: 4096, files: 1, log: logs.log, now: () => T0 });
    expect(() => {
      recorder.observe(seen(1));
      recorder.observe(seen(2));
    }).not.toThrow();
    expect(logs.messages().filter((message) => message === 'cannot record measurements; the scaler keeps serving')).toHaveLength(1);
    rmSync(blocked);
    recorder.observe(seen(3));
    recorder.close();
    expect(logs.messages()).toContain('recording measurements again');
    expect(readFileSync(join(blocked, RECORD_FILE), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('the measurer reports each measurement to its observer', () => {
  it('with the replicas it scraped, on success and on failure', async () => {
    const target = await startTarget(page(waiting(3)));
    const observed: ObservedMeasurement[] = [];
    const measurer = createMeasurer({ registry: new Registry(), log: captureLog().log, observe: (entry) => observed.push(entry) });
    try {
      const unreachable = 'http://127.0.0.1:9/metrics';
      await measurer.measure(config, [`${target.origin}/metrics`, unreachable], Date.now() + 3000);
      await measurer.measure(config, [unreachable], Date.now() + 3000);
      expect(observed.map((entry) => entry.outcomes.map((outcome) => ('value' in outcome ? outcome.value : outcome.missing)))).toEqual([
        [3, 'Unreachable'],
        ['Unreachable'],
      ]);
      expect(observed.map((entry) => (entry.result.ok ? entry.result.value.value : entry.result.problem.reason))).toEqual([
        13,
        'NoSamples',
      ]);
    } finally {
      measurer.close();
      await target.close();
    }
  });
});

describe('scaler --record', () => {
  it('records what each GetMetrics measured, and only with the option', async () => {
    const dir = await tempDir('record-scaler');
    const target = await startTarget(page(waiting(4)));
    const ca = createAuthority();
    await writeTlsDir(join(dir.path, 'tls'), [ca], ca.serverLeaf());
    writeFileSync(
      join(dir.path, 'targets.yaml'),
      `inferenceSets:\n  - namespace: default\n    name: phi-4\n    workspaces: [${target.origin.replace('http://', '')}]\n`,
    );
    const start = (record?: string) =>
      startScaler(
        testScalerOptions({ tlsDir: join(dir.path, 'tls'), targets: join(dir.path, 'targets.yaml'), ...(record && { record }) }),
        captureLog().log,
        realParts,
      );
    const call = async (port: number) => {
      const keda = scalerClient(port, { ca: ca.certificate, ...ca.clientLeaf() });
      try {
        // The scaler refuses connections until it has loaded its TLS folder.
        await eventually(
          'GetMetrics answers',
          async () => (await keda.getMetrics({ name: 'so', namespace: 'default', scalerMetadata: triggerMetadata() })).ok,
        );
      } finally {
        keda.close();
      }
    };
    try {
      const plain = await start();
      if (!plain.ok) throw new Error(plain.problem.message);
      await call(plain.value.grpcPort);
      await plain.value.stop();
      expect(readdirSync(dir.path).sort()).toEqual(['targets.yaml', 'tls']);

      const recording = await start(join(dir.path, 'rec'));
      if (!recording.ok) throw new Error(recording.problem.message);
      await call(recording.value.grpcPort);
      await recording.value.stop();
      const lines = readFileSync(join(dir.path, 'rec', RECORD_FILE), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.at(-1)).toMatchObject({
        inferenceSet: 'phi-4',
        metric: 'vllm:num_requests_waiting',
        value: 4,
        replicas: [{ value: 4 }],
      });
    } finally {
      await target.close();
      await dir.remove();
    }
  });
});
