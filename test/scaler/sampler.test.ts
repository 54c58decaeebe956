import { Registry } from 'prom-client';
import { createLimiter } from '../../scaler/limiter.js';
import { createSampler, type Sampler } from '../../scaler/sampler.js';
import { createScraper, type Scraper } from '../../scaler/scrape.js';
import { captureLog, triggerConfig } from './helpers.js';
import { startTarget, type LocalTarget } from './local-targets.js';

/** A histogram page whose count and sum the test moves. */
function histogramTarget(family = 'vllm:request_queue_time_seconds') {
  const state = { count: 0, sum: 0, up: true };
  const body = () =>
    [
      `# TYPE ${family} histogram`,
      `${family}_bucket{engine="0",le="0.5"} ${state.count}`,
      `${family}_bucket{engine="0",le="+Inf"} ${state.count}`,
      `${family}_count{engine="0"} ${state.count}`,
      `${family}_sum{engine="0"} ${state.sum}`,
      '',
    ].join('\n');
  return {
    state,
    handler: (_request: unknown, response: import('node:http').ServerResponse) => {
      if (!state.up) {
        response.writeHead(503).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end(body());
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the sampler', () => {
  const targets: LocalTarget[] = [];
  const samplers: Sampler[] = [];
  const scrapers: Scraper[] = [];
  afterEach(async () => {
    for (const sampler of samplers.splice(0)) sampler.close();
    for (const scraper of scrapers.splice(0)) scraper.close();
    await Promise.all(targets.splice(0).map((target) => target.close()));
  });

  const start = async (overrides: { intervalMs?: number; maxKeys?: number; idleMs?: number } = {}) => {
    const captured = captureLog();
    const scraper = createScraper({ maxBodyBytes: 1 << 20, idleSocketMs: 1000 });
    scrapers.push(scraper);
    const sampler = createSampler({
      intervalMs: overrides.intervalMs ?? 100,
      maxKeys: overrides.maxKeys ?? 100,
      ...(overrides.idleMs !== undefined && { idleMs: overrides.idleMs }),
      limiter: createLimiter(4),
      scraper,
      registry: new Registry(),
      log: captured.log,
    });
    samplers.push(sampler);
    return { sampler, captured };
  };
  const serve = async (handler: Parameters<typeof startTarget>[0]) => {
    const target = await startTarget(handler);
    targets.push(target);
    return `${target.origin}/metrics`;
  };
  const config = (extra: Record<string, string> = {}) =>
    triggerConfig({ metricName: 'vllm:request_queue_time_seconds', aggregation: 'windowed-avg', metricCacheWindow: '1', ...extra });
  const far = () => Date.now() + 5000;

  it('answers the neutral value while warming up, then the windowed average', async () => {
    const { sampler } = await start();
    const replica = histogramTarget();
    const url = await serve(replica.handler);
    const thresholds = config({ upThreshold: '2', downThreshold: '1' });
    const first = await sampler.read(thresholds, [url], far());
    expect(first).toEqual({ ok: true, value: expect.objectContaining({ value: 1.5, reason: 'WarmingUp' }) });
    await sleep(1100);
    replica.state.count = 4;
    replica.state.sum = 10;
    await sleep(300);
    const read = await sampler.read(thresholds, [url], far());
    expect(read).toEqual({ ok: true, value: expect.objectContaining({ value: 2.5 }) });
    expect(read.ok && read.value.reason).toBeUndefined();
    expect(sampler.size).toBe(1);
  });

  it('without thresholds, warming up is a problem with its reason', async () => {
    const { sampler } = await start();
    const url = await serve(histogramTarget().handler);
    const result = await sampler.read(config(), [url], far());
    expect(result).toEqual({ ok: false, problem: { reason: 'WarmingUp', message: expect.stringContaining('the samples span 0%') } });
  });

  it('a replica that stops answering makes the answer Stale after three intervals', async () => {
    const { sampler } = await start();
    const replica = histogramTarget();
    const url = await serve(replica.handler);
    const thresholds = config({ upThreshold: '4', downThreshold: '2' });
    await sampler.read(thresholds, [url], far());
    await sleep(1200);
    expect((await sampler.read(thresholds, [url], far())) as unknown).toEqual({
      ok: true,
      value: expect.not.objectContaining({ reason: expect.anything() }),
    });
    replica.state.up = false;
    await sleep(500);
    expect(await sampler.read(thresholds, [url], far())).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 3, reason: 'Stale' }),
    });
  });

  it('refuses keys beyond its cap, with a metric and a log line', async () => {
    const { sampler, captured } = await start({ maxKeys: 1 });
    const url = await serve(histogramTarget().handler);
    await sampler.read(config(), [url], far());
    const other = config({ metricName: 'vllm:time_to_first_token_seconds', upThreshold: '3', downThreshold: '1' });
    expect(await sampler.read(other, [url], far())).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 2, reason: 'TooManyKeys' }),
    });
    expect((await sampler.read(config({ metricName: 'x' }), [url], far())).ok).toBe(false);
    expect(sampler.size).toBe(1);
    expect(captured.messages().some((message) => message.includes('its cap'))).toBe(true);
  });

  it('drops a key nobody asked about for idleMs', async () => {
    const { sampler } = await start({ idleMs: 200 });
    const url = await serve(histogramTarget().handler);
    await sampler.read(config(), [url], far());
    expect(sampler.size).toBe(1);
    await sleep(500);
    expect(sampler.size).toBe(0);
  });

  it('keeps sampling without calls: a call finds the window already full', async () => {
    const { sampler } = await start();
    const replica = histogramTarget();
    const url = await serve(replica.handler);
    await sampler.read(config(), [url], far());
    await sleep(1200);
    const requests = targets[0]?.requests.length ?? 0;
    expect(requests).toBeGreaterThan(3);
    expect((await sampler.read(config(), [url], far())).ok).toBe(true);
  });

  it('asks for buckets only for a percentile', async () => {
    const { sampler } = await start();
    const url = await serve(histogramTarget().handler);
    await sampler.read(config(), [url], far());
    const asked = targets[0]?.requests[0] ?? '';
    expect(decodeURIComponent(asked)).not.toContain('_bucket');
    await sampler.read(config({ aggregation: 'percentile', quantile: '0.9' }), [url], far());
    await sleep(250);
    expect(decodeURIComponent(targets[0]?.requests.at(-1) ?? '')).toContain('name[]=vllm:request_queue_time_seconds_bucket');
  });

  it('reads the other vLLM name of a renamed family, and says so', async () => {
    const { sampler, captured } = await start();
    const url = await serve(histogramTarget('vllm:inter_token_latency_seconds').handler);
    const asked = config({ metricName: 'vllm:time_per_output_token_seconds', upThreshold: '1', downThreshold: '0' });
    await sampler.read(asked, [url], far());
    await sleep(1200);
    const result = await sampler.read(asked, [url], far());
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        alias: 'vllm:inter_token_latency_seconds',
        explanation: expect.stringContaining('read "vllm:inter_token_latency_seconds"'),
      }),
    });
    expect(decodeURIComponent(targets[0]?.requests[0] ?? '')).toContain('name[]=vllm:inter_token_latency_seconds_sum');
    expect(captured.messages().some((message) => message.includes('renamed in vLLM'))).toBe(true);
  });

  it("a family that is not a histogram on every replica is the trigger's fault, not a warm-up", async () => {
    const { sampler } = await start();
    const url = await serve((_request, response) =>
      response.writeHead(200).end('# TYPE vllm:request_queue_time_seconds gauge\nvllm:request_queue_time_seconds 1\n'),
    );
    const result = await sampler.read(config(), [url], far());
    expect(result).toEqual({ ok: false, problem: { reason: 'UnsupportedMetricType', message: expect.stringContaining('is a gauge') } });
  });

  it('a replica without a sample is named in the explanation', async () => {
    const { sampler } = await start();
    const good = await serve(histogramTarget().handler);
    const bad = await serve((_request, response) => response.writeHead(500).end());
    const result = await sampler.read(config(), [good, bad], far());
    expect(result).toEqual({
      ok: false,
      problem: { reason: 'WarmingUp', message: expect.stringContaining(`${bad}: HttpStatus (HTTP 500)`) },
    });
  });
});
