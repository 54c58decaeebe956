import { Registry } from 'prom-client';
import { startReplica, type Replica } from '../../dev/vllm-replica.js';
import { createMeasurer, type Measurer, type MeasurerOptions } from '../../scaler/measure.js';
import type { TriggerConfig } from '../../scaler/metadata.js';
import { hang, page, startTarget, waiting, type Handler, type LocalTarget } from './local-targets.js';
import { captureLog, eventually, triggerConfig, type CapturedLog } from './helpers.js';

const seconds = (s: number) => Date.now() + s * 1000;

describe('createMeasurer', () => {
  const targets: LocalTarget[] = [];
  const replicas: Replica[] = [];
  let measurer: Measurer;
  let registry: Registry;
  let logs: CapturedLog;

  const make = (options: Partial<MeasurerOptions> = {}) => {
    measurer?.close();
    registry = new Registry();
    logs = captureLog();
    measurer = createMeasurer({ registry, log: logs.log, ...options });
    return measurer;
  };
  const serve = async (handler: Handler): Promise<string> => {
    const target = await startTarget(handler);
    targets.push(target);
    return `${target.origin}/metrics`;
  };
  const serveAll = (...handlers: Handler[]) => Promise.all(handlers.map(serve));
  const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];

  beforeEach(() => make());
  afterEach(async () => {
    measurer.close();
    await Promise.all([...targets.splice(0).map((target) => target.close()), ...replicas.splice(0).map((replica) => replica.close())]);
  });

  describe('the number', () => {
    // Replicas answer with a page of the given values, or fail the given way; θ = 10.
    type Replica = number[] | 'http500' | 'absent' | 'hang' | 'histogram' | 'garbage' | 'nan';
    const handlerFor = (replica: Replica): Handler => {
      if (Array.isArray(replica)) return page(waiting(...replica));
      if (replica === 'http500') return (_q, r) => r.writeHead(500).end();
      if (replica === 'absent') return page('# TYPE other gauge\nother 1\n');
      if (replica === 'hang') return hang;
      if (replica === 'histogram')
        return page('# TYPE vllm:num_requests_waiting histogram\nvllm:num_requests_waiting_count 1\nvllm:num_requests_waiting_sum 2\n');
      if (replica === 'nan') return page('vllm:num_requests_waiting NaN\n');
      return page('vllm:num_requests_waiting{engine="0" 3\n');
    };
    const cases: Array<[string, Replica[], number, boolean, string[]]> = [
      ['[2, fail] -> 12', [[2], 'http500'], 12, true, ['HttpStatus']],
      ['[20, fail] -> 20', [[20], 'http500'], 20, true, ['HttpStatus']],
      ['[4, family absent] -> 14', [[4], 'absent'], 14, true, ['FamilyAbsent']],
      ['every series of every replica', [[1, 2], [3], [4, 5]], 15, true, []],
      ['all idle: inactive', [[0, 0], [0]], 0, false, []],
      ['idle and one unparsable: active, fallback', [[0], 'garbage'], 10, true, ['ParseError']],
      ['a NaN replica counts as missing', [[3], 'nan'], 13, true, ['NotFinite']],
    ];
    it.each(cases)('%s', async (_name, setup, value, active, reasons) => {
      const urls = await serveAll(...setup.map(handlerFor));
      const result = await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value, active }) });
      if (!result.ok) return;
      expect(result.value.outcomes.map((outcome) => outcome.url)).toEqual(urls);
      expect(result.value.outcomes.flatMap((outcome) => ('missing' in outcome ? [outcome.missing] : []))).toEqual(reasons);
    });

    it('[fail, fail] -> NoSamples, naming each replica and why', async () => {
      const urls = await serveAll(handlerFor('http500'), handlerFor('absent'));
      const result = await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(result).toEqual({
        ok: false,
        problem: { reason: 'NoSamples', message: expect.stringMatching(/^none of the 2 replicas gave a sample: /) },
      });
      if (result.ok) return;
      expect(result.problem.message).toContain(`${urls[0]}: HttpStatus (HTTP 500)`);
      expect(result.problem.message).toContain(`${urls[1]}: FamilyAbsent`);
    });

    it('a surge Workspace that is not ready is not filled in at target: [7, 7, fail] with spec.replicas 2 -> 14', async () => {
      const urls = await serveAll(handlerFor([7]), handlerFor([7]), handlerFor('http500'));
      expect(await measurer.measure(triggerConfig(), urls, seconds(5), 2)).toEqual({
        ok: true,
        value: expect.objectContaining({ value: 14 }),
      });
      expect(await measurer.measure(triggerConfig(), urls, seconds(5))).toEqual({
        ok: true,
        value: expect.objectContaining({ value: 24 }),
      });
    });

    it('no replicas -> NoTargets', async () => {
      expect(await measurer.measure(triggerConfig(), [], seconds(5))).toEqual({
        ok: false,
        problem: { reason: 'NoTargets', message: expect.stringMatching(/no replicas/) },
      });
    });

    it('a histogram -> UnsupportedMetricType, even when other replicas answer', async () => {
      const urls = await serveAll(handlerFor([3]), handlerFor('histogram'));
      expect(await measurer.measure(triggerConfig(), urls, seconds(5))).toEqual({
        ok: false,
        problem: {
          reason: 'UnsupportedMetricType',
          message: expect.stringMatching(/"vllm:num_requests_waiting" is a histogram; the sum aggregation reads gauge, counter, untyped/),
        },
      });
    });

    it('an unreachable replica', async () => {
      const closed = await startTarget(hang);
      await closed.close();
      const urls = [await serve(handlerFor([2])), `${closed.origin}/metrics`];
      const result = await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 12 }) });
      expect(result.ok && result.value.outcomes[1]).toEqual({ url: urls[1], missing: 'Unreachable', detail: 'connection refused' });
    });

    it('a URL that is not one', async () => {
      const urls = [await serve(handlerFor([2])), 'http://bad host:80/metrics'];
      const result = await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(result.ok && result.value.outcomes[1]).toMatchObject({ missing: 'InvalidUrl' });
    });

    it('a URL listed twice is scraped once and counted twice', async () => {
      const url = await serve(handlerFor([3]));
      const result = await measurer.measure(triggerConfig(), [url, url], seconds(5));
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 6 }) });
      expect(targets[0]?.requests).toHaveLength(1);
    });
  });

  describe('against simulated vLLM replicas', () => {
    it('asks for the family only and reads it from a filtered page', async () => {
      for (const engines of [1, 2, 2]) replicas.push(await startReplica({ engines }));
      for (const [index, replica] of replicas.entries()) replica.advance(1, { waiting: 3 + index, running: 2 });
      const result = await measurer.measure(
        triggerConfig(),
        replicas.map((replica) => replica.url),
        seconds(5),
      );
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 3 + 4 + 5, active: true }) });
    });

    it('reads a counter of a simulated replica', async () => {
      replicas.push(await startReplica({ engines: 2 }));
      const replica = replicas[0] as Replica;
      replica.advance(60, { waiting: 0, running: 8 });
      const result = await measurer.measure(triggerConfig({ metricName: 'vllm:request_success_total' }), [replica.url], seconds(5));
      expect(result.ok && result.value.value).toBeGreaterThan(0);
    });

    it('refuses a histogram of a simulated replica', async () => {
      replicas.push(await startReplica());
      const result = await measurer.measure(
        triggerConfig({ metricName: 'vllm:e2e_request_latency_seconds' }),
        [(replicas[0] as Replica).url],
        seconds(5),
      );
      expect(result).toMatchObject({ ok: false, problem: { reason: 'UnsupportedMetricType' } });
    });

    it('falls back for a replica that resets connections', async () => {
      replicas.push(await startReplica(), await startReplica());
      for (const replica of replicas) replica.advance(1, { waiting: 1, running: 1 });
      replicas[1]?.setReachable(false);
      const result = await measurer.measure(
        triggerConfig(),
        replicas.map((replica) => replica.url),
        seconds(5),
      );
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 11 }) });
    });
  });

  describe('the scrape request', () => {
    it('adds the name[] filter to the path and keeps its query', async () => {
      const url = await serve(page(waiting(1)));
      await measurer.measure(triggerConfig({ metricPath: '/metrics?keep=1' }), [url.replace('/metrics', '/metrics?keep=1')], seconds(5));
      const sent = new URL(targets[0]?.requests[0] ?? '', 'http://x');
      expect(sent.pathname).toBe('/metrics');
      expect(sent.searchParams.get('keep')).toBe('1');
      expect(sent.searchParams.getAll('name[]')).toEqual([
        'vllm:num_requests_waiting',
        'vllm:num_requests_waiting_sum',
        'vllm:num_requests_waiting_count',
        'vllm:num_requests_waiting_total',
      ]);
    });

    it('still reads the family from a server that ignores the filter', async () => {
      const url = await serve(
        page(
          `# TYPE other gauge\nother 100\n${waiting(7)}# TYPE vllm:num_requests_waiting_by_reason gauge\nvllm:num_requests_waiting_by_reason 50\n`,
        ),
      );
      expect(await measurer.measure(triggerConfig(), [url], seconds(5))).toEqual({
        ok: true,
        value: expect.objectContaining({ value: 7 }),
      });
    });
  });

  describe('deadlines', () => {
    it('answers within the call deadline although a replica hangs', async () => {
      const urls = await serveAll(page(waiting(2)), hang);
      const started = Date.now();
      const deadline = started + 600;
      const result = await measurer.measure(triggerConfig({ scrapeTimeout: '30s' }), urls, deadline);
      expect(Date.now()).toBeLessThan(deadline + 1000);
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 12 }) });
      expect(result.ok && result.value.outcomes[1]).toMatchObject({ missing: 'Timeout' });
      await eventually('every connection closed', () => targets[1]?.connections.open === 0);
    });

    it('bounds each replica by scrapeTimeout when the deadline is further', async () => {
      const urls = await serveAll(page(waiting(2)), hang);
      const started = Date.now();
      const result = await measurer.measure(triggerConfig({ scrapeTimeout: '200ms' }), urls, seconds(30));
      expect(Date.now() - started).toBeLessThan(200 + 1000);
      expect(result.ok && result.value.outcomes[1]).toEqual({
        url: urls[1],
        missing: 'Timeout',
        detail: 'no complete answer within 200 ms',
      });
    });

    it('treats a missing deadline (NaN) as none: scrapeTimeout bounds the call', async () => {
      const urls = await serveAll(hang);
      const started = Date.now();
      expect(await measurer.measure(triggerConfig({ scrapeTimeout: '200ms' }), urls, NaN)).toMatchObject({
        ok: false,
        problem: { reason: 'NoSamples' },
      });
      expect(Date.now() - started).toBeLessThan(200 + 1000);
    });

    it('does not scrape at all when the deadline has passed', async () => {
      const urls = await serveAll(page(waiting(2)));
      const result = await measurer.measure(triggerConfig(), urls, Date.now() - 1);
      expect(result).toMatchObject({ ok: false, problem: { reason: 'NoSamples', message: expect.stringContaining('Timeout') } });
      expect(targets[0]?.requests).toEqual([]);
    });
  });

  describe('concurrent calls', () => {
    it('share one scrape round: one request per replica', async () => {
      const urls = await serveAll(page(waiting(2), 100), page(waiting(3), 100));
      const [a, b] = await Promise.all([
        measurer.measure(triggerConfig(), urls, seconds(5)),
        measurer.measure(triggerConfig(), [...urls].reverse(), seconds(5)),
      ]);
      expect(a).toEqual({ ok: true, value: expect.objectContaining({ value: 5 }) });
      expect(b).toEqual({ ok: true, value: expect.objectContaining({ value: 5 }) });
      expect(b.ok && b.value.outcomes.map((outcome) => outcome.url)).toEqual([...urls].reverse());
      expect(targets.map((target) => target.requests.length)).toEqual([1, 1]);
      expect(await metric('kks_scrape_coalesced_total')).toEqual([{ labels: { namespace: 'default', inference_set: 'phi-4' }, value: 1 }]);
    });

    it('each apply their own threshold to the shared round', async () => {
      const urls = await serveAll(page(waiting(2), 100), (_q, r) => r.writeHead(503).end());
      const [low, high] = await Promise.all([
        measurer.measure(triggerConfig({ threshold: '1' }), urls, seconds(5)),
        measurer.measure(triggerConfig({ threshold: '10' }), urls, seconds(5)),
      ]);
      expect(low).toEqual({ ok: true, value: expect.objectContaining({ value: 2 }) });
      expect(high).toEqual({ ok: true, value: expect.objectContaining({ value: 12 }) });
      expect(targets.map((target) => target.requests.length)).toEqual([1, 1]);
    });

    it('never reuse a finished round', async () => {
      let value = 1;
      const url = await serve((_q, response) => response.end(waiting(value)));
      expect(await measurer.measure(triggerConfig(), [url], seconds(5))).toEqual({
        ok: true,
        value: expect.objectContaining({ value: 1 }),
      });
      value = 4;
      expect(await measurer.measure(triggerConfig(), [url], seconds(5))).toEqual({
        ok: true,
        value: expect.objectContaining({ value: 4 }),
      });
      expect(targets[0]?.requests).toHaveLength(2);
    });

    it.each([
      ['another metric', { metricName: 'vllm:num_requests_running' }],
      ['another InferenceSet', { inferenceSetName: 'other' }],
      ['another scrape timeout', { scrapeTimeout: '2s' }],
    ])('do not share a round for %s', async (_name, overrides) => {
      const url = await serve(page(`${waiting(2)}vllm:num_requests_running 1\n`, 100));
      await Promise.all([
        measurer.measure(triggerConfig(), [url], seconds(5)),
        measurer.measure(triggerConfig(overrides), [url], seconds(5)),
      ]);
      expect(targets[0]?.requests).toHaveLength(2);
    });

    it('a caller joining a round keeps its own, earlier deadline', async () => {
      const urls = await serveAll(page(waiting(2)), page(waiting(3), 800));
      const first = measurer.measure(triggerConfig(), urls, seconds(5));
      await eventually('one request arrived', () => targets[1]?.requests.length === 1);
      const joinedAt = Date.now();
      const second = await measurer.measure(triggerConfig(), urls, joinedAt + 300);
      expect(Date.now()).toBeLessThan(joinedAt + 300 + 1000);
      expect(second).toEqual({ ok: true, value: expect.objectContaining({ value: 12 }) });
      expect(second.ok && second.value.outcomes[1]).toMatchObject({ missing: 'Timeout', detail: 'no answer before the call deadline' });
      expect(await first).toEqual({ ok: true, value: expect.objectContaining({ value: 5 }) });
    });
  });

  describe('the concurrency cap', () => {
    it('is honoured across calls for different InferenceSets', async () => {
      let inFlight = 0;
      let most = 0;
      const slow: Handler = (_q, response) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          response.end(waiting(1));
        }, 30);
      };
      make({ maxConcurrency: 3 });
      const urls = await serveAll(...Array.from({ length: 12 }, () => slow));
      const results = await Promise.all([
        measurer.measure(triggerConfig({ inferenceSetName: 'a' }), urls.slice(0, 6), seconds(10)),
        measurer.measure(triggerConfig({ inferenceSetName: 'b' }), urls.slice(6), seconds(10)),
      ]);
      expect(results).toEqual([
        { ok: true, value: expect.objectContaining({ value: 6 }) },
        { ok: true, value: expect.objectContaining({ value: 6 }) },
      ]);
      expect(most).toBe(3);
    });

    it('a replica that gets no slot before the deadline is missing (QueueTimeout)', async () => {
      make({ maxConcurrency: 1, deadlineMarginMs: 50 });
      const urls = await serveAll(hang, hang);
      const result = await measurer.measure(triggerConfig(), urls, Date.now() + 400);
      expect(result).toMatchObject({ ok: false, problem: { reason: 'NoSamples' } });
      expect(!result.ok && result.problem.message).toContain(': Timeout (no complete answer within');
      expect(!result.ok && result.problem.message).toContain(
        ': QueueTimeout (no free scrape slot before the deadline (caps: 1 in all, 1 per namespace, 1 per InferenceSet))',
      );
      expect(targets.map((target) => target.requests.length).sort()).toEqual([0, 1]);
    });
  });

  describe('fair shares of the cap', () => {
    it('a healthy InferenceSet is answered while another, whose replicas never answer, saturates the scraper', async () => {
      make({ maxConcurrency: 4 });
      const stuck = await serveAll(...Array.from({ length: 8 }, () => hang));
      const [healthy] = await serveAll(page(waiting(3)));
      // Rounds of their own (a metric each), all waiting on replicas that never answer.
      const hostile = stuck.map((url, index) =>
        measurer.measure(
          triggerConfig({ inferenceSetNamespace: 'tenant-a', inferenceSetName: 'hostile', metricName: `m${index}`, scrapeTimeout: '60s' }),
          [url],
          seconds(3),
        ),
      );
      const scraped = () => targets.slice(0, 8).reduce((sum, target) => sum + target.requests.length, 0);
      await eventually('the hostile InferenceSet holds its slots', () => scraped() >= 2);
      const result = await measurer.measure(
        triggerConfig({ inferenceSetNamespace: 'tenant-b', inferenceSetName: 'healthy' }),
        [healthy as string],
        seconds(1.5),
      );
      expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 3 }) });
      expect(await metric('kks_scrape_slots_waiting_by_inference_set')).toEqual([
        { labels: { namespace: 'tenant-a', inference_set: 'hostile' }, value: 6 },
      ]);
      measurer.close();
      await Promise.all(hostile);
    });
  });

  describe('metrics and logs', () => {
    it('count scrapes, errors by reason, rounds and the value, labelled by InferenceSet (never by URL)', async () => {
      const urls = await serveAll(page(waiting(2)), (_q, r) => r.writeHead(500).end());
      await measurer.measure(triggerConfig(), urls, seconds(5));
      const set = { namespace: 'default', inference_set: 'phi-4' };
      expect(await metric('kks_scrape_errors_total')).toEqual([{ labels: { ...set, reason: 'HttpStatus' }, value: 1 }]);
      expect(await metric('kks_scrape_rounds_total')).toEqual([{ labels: { ...set, outcome: 'partial' }, value: 1 }]);
      expect(await metric('kks_measurements_total')).toEqual([{ labels: { ...set, outcome: 'ok' }, value: 1 }]);
      expect(await metric('kks_metric_value')).toEqual([{ labels: { ...set, metric: 'vllm:num_requests_waiting' }, value: 12 }]);
      expect(await metric('kks_replicas')).toEqual([
        { labels: { ...set, state: 'total' }, value: 2 },
        { labels: { ...set, state: 'sampled' }, value: 1 },
      ]);
      const durations = await metric('kks_scrape_duration_seconds');
      expect(
        durations.find((sample) => (sample as { metricName?: string }).metricName === 'kks_scrape_duration_seconds_count')?.value,
      ).toBe(2);
      const exposition = await registry.metrics();
      expect(exposition).not.toContain('127.0.0.1');
      expect(exposition).toContain('kks_scrape_slots_in_use 0');
    });

    it('count a failed measurement by its reason', async () => {
      await measurer.measure(triggerConfig(), [], seconds(5));
      expect(await metric('kks_measurements_total')).toEqual([
        { labels: { namespace: 'default', inference_set: 'phi-4', outcome: 'NoTargets' }, value: 1 },
      ]);
    });

    it('log a summary per measurement at debug, and missing replicas at warn', async () => {
      const urls = await serveAll(page(waiting(2)), (_q, r) => r.writeHead(500).end());
      await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(logs.lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          inferenceSet: 'default/phi-4',
          metric: 'vllm:num_requests_waiting',
          missing: [{ url: urls[1], reason: 'HttpStatus', detail: 'HTTP 500' }],
        }),
      );
      expect(logs.lines).toContainEqual(
        expect.objectContaining({
          level: 'debug',
          msg: 'measured',
          inferenceSet: 'default/phi-4',
          value: 12,
          replicas: 2,
          sampled: 1,
          outcomes: [
            { url: urls[0], value: 2 },
            { url: urls[1], reason: 'HttpStatus' },
          ],
        }),
      );
    });

    it('log a failed measurement at warn with its reason', async () => {
      const urls = await serveAll((_q, r) => r.writeHead(500).end());
      await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(logs.lines).toContainEqual(
        expect.objectContaining({ level: 'warn', inferenceSet: 'default/phi-4', metric: 'vllm:num_requests_waiting', reason: 'NoSamples' }),
      );
    });

    it('a second measurer on the same registry takes its metrics over', () => {
      expect(() => createMeasurer({ registry, log: logs.log }).close()).not.toThrow();
    });
  });

  describe('a bug inside a measurement', () => {
    it('becomes an InternalError problem, not an exception, and the measurer keeps working', async () => {
      const urls = await serveAll(page(waiting(2)));
      const broken = { ...triggerConfig(), aggregation: 'no-such-aggregation' } as unknown as TriggerConfig;
      expect(await measurer.measure(broken, urls, seconds(5))).toMatchObject({ ok: false, problem: { reason: 'InternalError' } });
      expect(await measurer.measure(triggerConfig(), urls, seconds(5))).toEqual({ ok: true, value: expect.objectContaining({ value: 2 }) });
      expect(targets[0]?.requests).toHaveLength(2);
    });
  });

  describe('closing', () => {
    it('frees keep-alive sockets', async () => {
      const urls = await serveAll(page(waiting(1)));
      await measurer.measure(triggerConfig(), urls, seconds(5));
      expect(targets[0]?.connections.open).toBe(1);
      measurer.close();
      await eventually('every connection closed', () => targets[0]?.connections.open === 0);
    });

    it('cancels a round in flight, which still answers', async () => {
      const urls = await serveAll(hang);
      const pending = measurer.measure(triggerConfig(), urls, seconds(10));
      await eventually('one request arrived', () => targets[0]?.requests.length === 1);
      measurer.close();
      expect(await pending).toMatchObject({ ok: false, problem: { reason: 'NoSamples', message: expect.stringContaining('Cancelled') } });
    });
  });
});

describe('series of InferenceSets that are gone', () => {
  let target: LocalTarget;
  let measurer: Measurer;
  beforeAll(async () => {
    const others = Array.from({ length: 11 }, (_, index) => `other_${index} 1\n`).join('');
    target = await startTarget(page(`${waiting(2)}${others}`));
  });
  afterAll(() => target.close());
  afterEach(() => measurer.close());

  const names = async (registry: Registry) =>
    (await registry.getMetricsAsJSON())
      .flatMap((metric) => metric.values.map((value) => value.labels as Record<string, unknown>))
      .filter((labels) => labels['inference_set'] !== undefined)
      .map((labels) => `${String(labels['namespace'])}/${String(labels['inference_set'])}`);

  it('are removed from every metric once the InferenceSet was not measured for forgetAfterMs', async () => {
    const registry = new Registry();
    let now = Date.now();
    measurer = createMeasurer({ registry, log: captureLog().log, forgetAfterMs: 60_000, now: () => now });
    const url = `${target.origin}/metrics`;
    await measurer.measure(triggerConfig({ inferenceSetName: 'deleted' }), [url], seconds(5));
    await measurer.measure(triggerConfig({ inferenceSetName: 'kept' }), [url, 'http://127.0.0.1:1/metrics'], seconds(5));
    expect(new Set(await names(registry))).toEqual(new Set(['default/deleted', 'default/kept']));

    now += 40_000;
    await measurer.measure(triggerConfig({ inferenceSetName: 'kept' }), [url], seconds(5));
    now += 30_000;
    await measurer.measure(triggerConfig({ inferenceSetName: 'kept' }), [url], seconds(5));
    await eventually('the series of the deleted InferenceSet to go', async () => !(await names(registry)).includes('default/deleted'));
    expect(new Set(await names(registry))).toEqual(new Set(['default/kept']));
  });

  it('keep the value of the last 8 metric names of one InferenceSet, however many a caller asks for', async () => {
    const registry = new Registry();
    measurer = createMeasurer({ registry, log: captureLog().log });
    const url = `${target.origin}/metrics`;
    for (let index = 0; index < 12; index += 1) {
      await measurer.measure(
        triggerConfig({ metricName: index === 11 ? 'vllm:num_requests_waiting' : `other_${index}` }),
        [url],
        seconds(5),
      );
    }
    const values = (await registry.getSingleMetric('kks_metric_value')?.get())?.values ?? [];
    expect(values.map((value) => value.labels['metric'])).toEqual([
      'other_4',
      'other_5',
      'other_6',
      'other_7',
      'other_8',
      'other_9',
      'other_10',
      'vllm:num_requests_waiting',
    ]);
  });
});
