import { status } from '@grpc/grpc-js';
import { fail, ok, type Result } from '../../lib/result.js';
import type { Discovery, InferenceSetView, Workspace } from '../../scaler/discovery/discovery.js';
import {
  createScalerService,
  measureStatus,
  metricNameFor,
  metricSpecFor,
  metricValueFor,
  type MeasurementValue,
  type ScalerCore,
  type TriggerTarget,
} from '../../scaler/service.js';
import type { TriggerConfig } from '../../scaler/metadata.js';
import { triggerConfig } from './trigger-config.js';

describe('metricNameFor: a stable, lowercase HPA metric name', () => {
  const trigger = (inferenceSetNamespace: string, inferenceSetName: string, metricName: string): TriggerTarget => ({
    inferenceSetNamespace,
    inferenceSetName,
    metricName,
    threshold: 10,
  });
  const cases: Array<[string, TriggerTarget, string]> = [
    ['vLLM queue', trigger('default', 'phi-4', 'vllm:num_requests_waiting'), 'kaito-default-phi-4-vllm-num-requests-waiting'],
    ['dots in the name', trigger('team-b', 'llama.v3', 'vllm:gpu_cache_usage_perc'), 'kaito-team-b-llama-v3-vllm-gpu-cache-usage-perc'],
    ['uppercase metric', trigger('ns', 'set', 'Queue_Depth'), 'kaito-ns-set-queue-depth'],
    ['runs of odd characters collapse', trigger('ns', 'set', 'a::__b'), 'kaito-ns-set-a-b'],
  ];
  it.each(cases)('%s', (_name, config, expected) => {
    expect(metricNameFor(config)).toBe(expected);
  });

  it('is the same for the same trigger and differs between InferenceSets', () => {
    expect(metricNameFor(trigger('a', 'b', 'm'))).toBe(metricNameFor(trigger('a', 'b', 'm')));
    expect(metricNameFor(trigger('a', 'b', 'm'))).not.toBe(metricNameFor(trigger('a', 'c', 'm')));
  });

  it('long names are cut to 120 characters and keep apart by a hash', () => {
    const long = 'x'.repeat(200);
    const a = metricNameFor(trigger('default', `${long}-a`, 'vllm:num_requests_waiting'));
    const b = metricNameFor(trigger('default', `${long}-b`, 'vllm:num_requests_waiting'));
    expect(a.length).toBeLessThanOrEqual(120);
    expect(b.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^kaito-default-x+-[0-9a-f]{10}$/);
  });

  it('always matches what the HPA and KEDA accept', () => {
    for (const metric of ['vllm:num_requests_waiting', 'a', '_x_', 'A:B:C', 'vllm:e2e_request_latency_seconds']) {
      expect(metricNameFor(trigger('default', 'phi-4', metric))).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });
});

describe('metricSpecFor: target = threshold, the deprecated integer rounded', () => {
  const cases: Array<[number, number, number]> = [
    [10, 10, 10],
    [2.5, 3, 2.5],
    [2.4, 2, 2.4],
    [0.3, 1, 0.3],
    [1e300, Number.MAX_SAFE_INTEGER, 1e300],
  ];
  it.each(cases)('threshold %p -> targetSize %p, targetSizeFloat %p', (threshold, targetSize, targetSizeFloat) => {
    const spec = metricSpecFor({ inferenceSetNamespace: 'ns', inferenceSetName: 'set', metricName: 'm', threshold });
    expect(spec).toEqual({ metricName: 'kaito-ns-set-m', targetSize, targetSizeFloat });
  });
});

describe('metricValueFor: the float as measured, the deprecated integer rounded into int64', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [12, 12],
    [12.5, 13],
    [0.4, 0],
    [1e20, Number.MAX_SAFE_INTEGER],
  ];
  it.each(cases)('%p -> %p', (value, integer) => {
    expect(metricValueFor('name', value)).toEqual({ metricName: 'name', metricValue: integer, metricValueFloat: value });
  });
});

describe('measureStatus: the gRPC code of a measuring problem', () => {
  const cases: Array<[string, status]> = [
    ['NoTargets', status.UNAVAILABLE],
    ['NoSamples', status.UNAVAILABLE],
    // A windowed trigger without thresholds whose history cannot answer.
    ['WarmingUp', status.UNAVAILABLE],
    ['Stale', status.UNAVAILABLE],
    ['TooManyKeys', status.UNAVAILABLE],
    ['IncompatibleBuckets', status.UNAVAILABLE],
    ['UnsupportedMetricType', status.INVALID_ARGUMENT],
    ['SomethingElse', status.INTERNAL],
  ];
  it.each(cases.map(([reason, code]) => [reason, status[code], code] as const))('%s -> %s', (reason, _name, code) => {
    expect(measureStatus(reason)).toBe(code);
  });
});

/** A core that parses the four required keys and returns what the test queues. */
function fakeCore(outcome: Result<MeasurementValue>) {
  const calls: Array<{ config: TriggerConfig; urls: readonly string[]; deadline: number; desired?: number | undefined }> = [];
  const core: ScalerCore = {
    parseTriggerMetadata(metadata) {
      for (const key of ['inferenceSetName', 'inferenceSetNamespace', 'metricName', 'threshold']) {
        if (!metadata[key]) return fail('InvalidMetadata', `metadata key ${key} is required`);
      }
      const threshold = Number(metadata['threshold']);
      if (!(threshold > 0)) return fail('InvalidMetadata', 'metadata key threshold must be a number greater than 0');
      return ok(
        triggerConfig({
          inferenceSetName: metadata['inferenceSetName']!,
          inferenceSetNamespace: metadata['inferenceSetNamespace']!,
          metricName: metadata['metricName']!,
          threshold,
        }),
      );
    },
    targetUrls: (config, namespace, workspaces: readonly Workspace[]) =>
      workspaces.map((ws) => `http://${ws.address ?? `${ws.name}.${namespace}.svc.cluster.local:${config.metricPort}`}/metrics`),
    async measure(config, urls, deadline, view) {
      const desired = view?.replicas?.desired;
      calls.push({ config, urls, deadline, ...(desired === undefined ? {} : { desired }) });
      return outcome;
    },
  };
  return { core, calls };
}

function fakeDiscovery(views: InferenceSetView[], ready = true): Discovery {
  return {
    ready: () => ready,
    notReadyReason: () => (ready ? undefined : 'waiting for CRD inferencesets.kaito.sh'),
    lookup: (namespace, name) => views.find((view) => view.namespace === namespace && view.name === name),
    stop: async () => undefined,
  };
}

const phi: InferenceSetView = {
  namespace: 'default',
  name: 'phi-4',
  allowedNamespaces: ['team-b'],
  workspaces: [{ name: 'phi-4-0' }, { name: 'phi-4-1' }],
};
const metadata = { inferenceSetName: 'phi-4', inferenceSetNamespace: 'default', metricName: 'vllm:num_requests_waiting', threshold: '10' };
const ref = (namespace = 'default', scalerMetadata: Record<string, string> = metadata) => ({ name: 'phi-4', namespace, scalerMetadata });
const deadline = 5_000_000;

describe('createScalerService', () => {
  it("GetMetrics passes the InferenceSet's spec.replicas to the measurement (it bounds the fallback during a surge)", async () => {
    const { core, calls } = fakeCore(ok({ value: 14, active: true }));
    const surging: InferenceSetView = { ...phi, workspaces: [...phi.workspaces, { name: 'phi-4-2' }], replicas: { desired: 2, ready: 2 } };
    const service = createScalerService(core, fakeDiscovery([surging]));
    await service.getMetrics({ scaledObjectRef: ref(), metricName: 'x' }, deadline);
    expect(calls.map((call) => [call.urls.length, call.desired])).toEqual([[3, 2]]);
  });

  it('GetMetricSpec answers from the metadata alone, even when discovery is not ready', () => {
    const { core, calls } = fakeCore(ok({ value: 1, active: true }));
    const service = createScalerService(core, fakeDiscovery([], false));
    expect(service.getMetricSpec(ref('elsewhere'))).toEqual({
      ok: true,
      value: { metricSpecs: [{ metricName: 'kaito-default-phi-4-vllm-num-requests-waiting', targetSize: 10, targetSizeFloat: 10 }] },
    });
    expect(calls).toHaveLength(0);
  });

  it("GetMetrics measures the metadata's family (not request.metricName) at the Workspaces' URLs with the deadline", async () => {
    const { core, calls } = fakeCore(ok({ value: 12, active: true }));
    const service = createScalerService(core, fakeDiscovery([phi]));
    const result = await service.getMetrics(
      { scaledObjectRef: ref(), metricName: 's0-kaito-default-phi-4-vllm-num-requests-waiting' },
      deadline,
    );
    expect(result).toEqual({
      ok: true,
      value: { metricValues: [{ metricName: 'kaito-default-phi-4-vllm-num-requests-waiting', metricValue: 12, metricValueFloat: 12 }] },
    });
    expect(calls).toEqual([
      {
        config: expect.objectContaining({ metricName: 'vllm:num_requests_waiting', threshold: 10 }),
        urls: ['http://phi-4-0.default.svc.cluster.local:80/metrics', 'http://phi-4-1.default.svc.cluster.local:80/metrics'],
        deadline,
      },
    ]);
  });

  it.each([
    [true, true],
    [false, false],
  ])("IsActive answers the measurement's activity (%p)", async (active, expected) => {
    const service = createScalerService(fakeCore(ok({ value: active ? 3 : 0, active })).core, fakeDiscovery([phi]));
    expect(await service.isActive(ref(), deadline)).toEqual({ ok: true, value: { result: expected } });
  });

  const failures: Array<[string, Parameters<typeof createScalerService>, ReturnType<typeof ref> | undefined, status, string, RegExp]> = [
    [
      'missing scaledObjectRef',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([phi])],
      undefined,
      status.INVALID_ARGUMENT,
      'MissingScaledObjectRef',
      /no scaledObjectRef/,
    ],
    [
      'bad metadata',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([phi])],
      ref('default', { ...metadata, threshold: '0' }),
      status.INVALID_ARGUMENT,
      'InvalidMetadata',
      /threshold/,
    ],
    [
      'discovery not ready',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([phi], false)],
      ref(),
      status.UNAVAILABLE,
      'NotReady',
      /not ready: waiting for CRD inferencesets.kaito.sh/,
    ],
    [
      'unknown InferenceSet, same namespace',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([])],
      ref(),
      status.NOT_FOUND,
      'InferenceSetNotFound',
      /InferenceSet default\/phi-4 does not exist/,
    ],
    [
      'other namespace, not admitted',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([phi])],
      ref('team-c'),
      status.PERMISSION_DENIED,
      'NamespaceNotAllowed',
      /namespace "team-c" may not read InferenceSet default\/phi-4/,
    ],
    [
      'other namespace, unknown InferenceSet: same answer as not admitted',
      [fakeCore(ok({ value: 1, active: true })).core, fakeDiscovery([])],
      ref('team-b'),
      status.PERMISSION_DENIED,
      'NamespaceNotAllowed',
      /namespace "team-b" may not read InferenceSet default\/phi-4/,
    ],
    [
      'no replica answered',
      [fakeCore(fail('NoSamples', 'no replica answered: http://a/metrics Timeout')).core, fakeDiscovery([phi])],
      ref(),
      status.UNAVAILABLE,
      'NoSamples',
      /^InferenceSet default\/phi-4, metric vllm:num_requests_waiting: no replica answered: http:\/\/a\/metrics Timeout$/,
    ],
    [
      'no replicas',
      [fakeCore(fail('NoTargets', 'the InferenceSet has no Workspaces')).core, fakeDiscovery([phi])],
      ref(),
      status.UNAVAILABLE,
      'NoTargets',
      /no Workspaces/,
    ],
    [
      'histogram family',
      [fakeCore(fail('UnsupportedMetricType', 'is a histogram')).core, fakeDiscovery([phi])],
      ref(),
      status.INVALID_ARGUMENT,
      'UnsupportedMetricType',
      /histogram/,
    ],
    [
      'non-finite value from the core',
      [fakeCore(ok({ value: Infinity, active: true })).core, fakeDiscovery([phi])],
      ref(),
      status.INTERNAL,
      'NotFinite',
      /not a finite number/,
    ],
  ];
  it.each(failures)('%s', async (_name, [core, discovery], request, code, reason, message) => {
    const service = createScalerService(core, discovery);
    for (const result of [
      await service.getMetrics({ scaledObjectRef: request, metricName: 'x' }, deadline),
      await service.isActive(request as never, deadline),
    ]) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problem.code).toBe(code);
        expect(result.problem.reason).toBe(reason);
        expect(result.problem.message).toMatch(message);
      }
    }
  });

  it('a caller admitted by allowedNamespaces reads the InferenceSet', async () => {
    const service = createScalerService(fakeCore(ok({ value: 4, active: true })).core, fakeDiscovery([phi]));
    expect(await service.isActive(ref('team-b'), deadline)).toEqual({ ok: true, value: { result: true } });
  });
});

describe('createScalerService: IsActive right after GetMetrics answers from its measurement', () => {
  const setup = (activityReuseMs?: number) => {
    let clock = 1_000_000;
    const outcomes: Array<Result<MeasurementValue>> = [];
    const { core, calls } = fakeCore(ok({ value: 0, active: false }));
    const counting: ScalerCore = {
      ...core,
      async measure(config, urls, at, view) {
        await core.measure(config, urls, at, view);
        return outcomes.shift() ?? ok({ value: 0, active: false });
      },
    };
    const service = createScalerService(counting, fakeDiscovery([phi]), {
      now: () => clock,
      ...(activityReuseMs !== undefined && { activityReuseMs }),
    });
    return { service, calls, outcomes, advance: (ms: number) => (clock += ms) };
  };
  const getMetrics = (service: ReturnType<typeof createScalerService>, request = ref()) =>
    service.getMetrics({ scaledObjectRef: request, metricName: 'x' }, deadline);

  it('within the window: no second scrape round, the same activity', async () => {
    const { service, calls, outcomes, advance } = setup();
    outcomes.push(ok({ value: 12, active: true }), ok({ value: 0, active: false }));
    await getMetrics(service);
    advance(1000);
    expect(await service.isActive(ref(), deadline)).toEqual({ ok: true, value: { result: true } });
    expect(calls).toHaveLength(1);
  });

  it('the order of metadata keys does not matter', async () => {
    const { service, calls } = setup();
    await getMetrics(service, ref('default', metadata));
    const reversed = Object.fromEntries(Object.entries(metadata).reverse());
    await service.isActive(ref('default', reversed), deadline);
    expect(calls).toHaveLength(1);
  });

  const measuresAgain: Array<[string, (s: ReturnType<typeof setup>) => Promise<unknown>]> = [
    [
      'after the window',
      async ({ service, advance }) => {
        await getMetrics(service);
        advance(1001);
        return service.isActive(ref(), deadline);
      },
    ],
    [
      'for another caller namespace',
      async ({ service }) => {
        await getMetrics(service);
        return service.isActive(ref('team-b'), deadline);
      },
    ],
    [
      'for other metadata',
      async ({ service }) => {
        await getMetrics(service);
        return service.isActive(ref('default', { ...metadata, threshold: '11' }), deadline);
      },
    ],
    [
      'after a failed GetMetrics',
      async ({ service, outcomes }) => {
        outcomes.push(fail('NoSamples', 'none'));
        await getMetrics(service);
        return service.isActive(ref(), deadline);
      },
    ],
    [
      'for GetMetrics itself',
      async ({ service }) => {
        await getMetrics(service);
        return getMetrics(service);
      },
    ],
    [
      'for IsActive after IsActive',
      async ({ service }) => {
        await service.isActive(ref(), deadline);
        return service.isActive(ref(), deadline);
      },
    ],
  ];
  it.each(measuresAgain)('measures again %s', async (_name, act) => {
    const state = setup();
    await act(state);
    expect(state.calls).toHaveLength(2);
  });

  it('a window of 0 turns it off', async () => {
    const state = setup(0);
    await getMetrics(state.service);
    await state.service.isActive(ref(), deadline);
    expect(state.calls).toHaveLength(2);
  });
});
