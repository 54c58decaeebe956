import { Registry } from 'prom-client';
import { createCore } from '../../scaler/core.js';
import type { InferenceSetView } from '../../scaler/discovery/discovery.js';
import { captureLog, triggerConfig } from './helpers.js';
import { page, startTarget, type LocalTarget } from './local-targets.js';

const GAUGES =
  '# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{engine="0"} 0.5\n# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting 3\n';

describe('the core answers each trigger by its aggregation', () => {
  const targets: LocalTarget[] = [];
  const captured = captureLog();
  const core = createCore({
    registry: new Registry(),
    log: captured.log,
    concurrency: 4,
    maxBodyBytes: 1 << 20,
    sampleIntervalMs: 200,
    maxSampledKeys: 10,
  });
  afterAll(async () => {
    core.close();
    await Promise.all(targets.map((target) => target.close()));
  });
  const staticView = (addresses: string[]): InferenceSetView => ({
    namespace: 'default',
    name: 'phi-4',
    allowedNamespaces: [],
    workspaces: addresses.map((address) => ({ name: address, address })),
  });
  const far = () => Date.now() + 3000;

  it('service-avg from one scrape round; the gate of static targets opens once every target answered', async () => {
    const up = await startTarget(page(GAUGES));
    const down = await startTarget((_request, response) => response.writeHead(503).end());
    targets.push(up, down);
    const view = staticView([up.origin.slice('http://'.length), down.origin.slice('http://'.length)]);
    const urls = core.targetUrls(triggerConfig(), 'default', view.workspaces);
    const gateConfig = triggerConfig({ metricName: 'readiness_gate', aggregation: 'gate' });

    expect(await core.measure(gateConfig, urls, far(), view)).toEqual({ ok: true, value: expect.objectContaining({ value: 0 }) });
    const waiting = await core.measure(triggerConfig({ aggregation: 'service-avg' }), urls, far(), view);
    expect(waiting).toEqual({ ok: true, value: expect.objectContaining({ value: 3 }) });
    expect(await core.measure(gateConfig, urls, far(), view)).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 0, explanation: expect.stringContaining('did not answer their last scrape') }),
    });

    const healthy = staticView([up.origin.slice('http://'.length)]);
    expect(await core.measure(gateConfig, core.targetUrls(gateConfig, 'default', healthy.workspaces), far(), healthy)).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 1 }),
    });
  });

  it('the gate of a discovered InferenceSet reads its replicas, not scrapes', async () => {
    const gateConfig = triggerConfig({ metricName: 'readiness_gate', aggregation: 'gate' });
    const view = (desired: number, ready: number): InferenceSetView => ({
      namespace: 'default',
      name: 'phi-4',
      allowedNamespaces: [],
      workspaces: [{ name: 'phi-4-0' }],
      replicas: { desired, ready },
    });
    expect(await core.measure(gateConfig, [], far(), view(2, 1))).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 0, active: false }),
    });
    expect(await core.measure(gateConfig, [], far(), view(2, 2))).toEqual({
      ok: true,
      value: expect.objectContaining({ value: 1, active: true }),
    });
  });

  it('a renamed vLLM gauge is read by its other name, and the log says so', async () => {
    const target = await startTarget(page(GAUGES));
    targets.push(target);
    const config = triggerConfig({ metricName: 'vllm:gpu_cache_usage_perc', aggregation: 'service-avg' });
    const view = staticView([target.origin.slice('http://'.length)]);
    const result = await core.measure(config, core.targetUrls(config, 'default', view.workspaces), far(), view);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 0.5 }) });
    expect(decodeURIComponent(target.requests[0] ?? '')).toContain('name[]=vllm:kv_cache_usage_perc');
    expect(captured.messages()).toContain(
      'replica serves "vllm:kv_cache_usage_perc" for "vllm:gpu_cache_usage_perc" (renamed in vLLM): reading it',
    );
  });

  it('a windowed trigger warming up answers its neutral value', async () => {
    const target = await startTarget(page('# TYPE h histogram\nh_count 0\nh_sum 0\n'));
    targets.push(target);
    const config = triggerConfig({ metricName: 'h', aggregation: 'windowed-avg', upThreshold: '3', downThreshold: '1' });
    const view = staticView([target.origin.slice('http://'.length)]);
    const result = await core.measure(config, core.targetUrls(config, 'default', view.workspaces), far(), view);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ value: 2, reason: 'WarmingUp' }) });
  });
});
