import { Registry } from 'prom-client';
import { createLimiter } from '../../scaler/limiter.js';
import { createSampler, type Sampler } from '../../scaler/sampler.js';
import { createScraper } from '../../scaler/scrape.js';
import { freePort } from '../support/cli.js';
import { pythonWithPrometheusClient, startPythonReplica, type PythonReplica } from '../support/python-replica.js';
import { captureLog, triggerConfig } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Windowed values against replicas served by prometheus_client, vLLM's own exposition
 * library: its labelled histograms, `_total` counters, `_created` series and name[]
 * filtering, and a replica that restarts (a new process on the same port) inside the window.
 */
describe('windowed aggregations over prometheus_client replicas', () => {
  const python = pythonWithPrometheusClient();
  const WINDOW_S = 8;
  const replicas: PythonReplica[] = [];
  const scraper = createScraper({ maxBodyBytes: 1 << 20, idleSocketMs: 1000 });
  let sampler: Sampler;

  beforeAll(() => {
    sampler = createSampler({
      intervalMs: 250,
      maxKeys: 10,
      limiter: createLimiter(4),
      scraper,
      registry: new Registry(),
      log: captureLog().log,
    });
  });
  afterAll(async () => {
    sampler.close();
    scraper.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('averages, takes a percentile and a rate, and counts a restart inside the window from 0', async () => {
    const ports = [await freePort(), await freePort()];
    const [a, b] = await Promise.all(ports.map((port) => startPythonReplica(python, port)));
    if (a === undefined || b === undefined) throw new Error('replicas did not start');
    replicas.push(a, b);
    const urls = [a.url, b.url];
    const family = { metricName: 'vllm:request_queue_time_seconds', metricCacheWindow: String(WINDOW_S) };
    const average = triggerConfig({ ...family, aggregation: 'windowed-avg' });
    const p50 = triggerConfig({ ...family, aggregation: 'percentile', quantile: '0.5', minSamples: '1' });
    const p90 = triggerConfig({ ...family, aggregation: 'percentile', quantile: '0.9', minSamples: '1' });
    const tokens = triggerConfig({ metricName: 'vllm:generation_tokens_total', aggregation: 'rate', metricCacheWindow: String(WINDOW_S) });
    const read = async (config: typeof average) => {
      const answer = await sampler.read(config, urls, Date.now() + 3000);
      if (!answer.ok) throw new Error(`${answer.problem.reason}: ${answer.problem.message}`);
      return answer.value;
    };
    // Tracking starts; the window fills with idle samples.
    for (const config of [average, p50, tokens]) expect((await sampler.read(config, urls, Date.now() + 3000)).ok).toBe(false);
    await sleep(WINDOW_S * 1000 + 300);
    expect(await read(average)).toEqual(expect.objectContaining({ value: 0 }));
    expect((await read(average)).reason).toBeUndefined();

    await a.send('observe 1.0');
    await a.send('observe 3.0');
    await a.send('tokens 100');
    await b.send('observe 2.0');
    await sleep(700);
    expect(await read(average)).toMatchObject({ value: (1 + 3 + 2) / 3, resets: 0 });

    // A restarts: a new process on the same port, every count back at 0.
    await a.stop();
    const restarted = await startPythonReplica(python, ports[0] as number);
    replicas.push(restarted);
    await restarted.send('observe 5.0');
    await sleep(700);
    const after = await read(average);
    expect(after).toMatchObject({ value: (1 + 3 + 5 + 2) / 4, resets: 1 });
    expect(after.explanation).toContain('1 restart in the window counted from 0');

    // Observations 1, 2, 3, 5 in buckets ..., 1.0, 1.5, 2.0, 2.5, 5.0, ...: cumulative 1 at 1.0,
    // 2 at 2.0, 4 at 5.0. p50: rank 2, in (1.5, 2.0] holding 1 -> 2.0. p90: rank 3.6, in (2.5, 5.0]
    // holding 2 above 2 -> 2.5 + 2.5 * 1.6 / 2 = 4.5.
    expect((await read(p50)).value).toBeCloseTo(2.0, 9);
    expect((await read(p90)).value).toBeCloseTo(4.5, 9);

    // 100 tokens on A over about the window, none on B; A's restart adds nothing: the mean of
    // the two replicas' rates is about 100 / 2 / 8 s.
    const rate = (await read(tokens)).value;
    expect(rate).toBeGreaterThan(100 / 2 / (WINDOW_S + 2));
    expect(rate).toBeLessThan(100 / 2 / (WINDOW_S - 1));
  }, 60_000);
});
