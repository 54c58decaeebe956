import { readScaling, type Scaling } from '../../hooks/annotations.js';
import { autoscaled, inferenceSet, workspace } from './builders.js';

type Expected = Partial<Scaling> | { reason: string; message?: RegExp } | 'disabled';

function check(result: ReturnType<typeof readScaling>, expected: Expected) {
  if (expected === 'disabled') {
    expect(result).toEqual({ ok: true, value: undefined });
  } else if ('reason' in expected) {
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe(expected.reason);
      if (expected.message) expect(result.problem.message).toMatch(expected.message);
    }
  } else {
    expect(result).toEqual({ ok: true, value: expect.objectContaining(expected) });
  }
}

describe('auto-provision', () => {
  it.each<[string, Record<string, string>, Expected]>([
    ['"true" enables', autoscaled(), { threshold: 10 }],
    ['absent', {}, 'disabled'],
    ['"false"', autoscaled({ 'scaledobject.kaito.sh/auto-provision': 'false' }), 'disabled'],
    ['"True" (not exactly "true")', autoscaled({ 'scaledobject.kaito.sh/auto-provision': 'True' }), 'disabled'],
    ['" true" (whitespace)', autoscaled({ 'scaledobject.kaito.sh/auto-provision': ' true' }), 'disabled'],
    ['"yes"', autoscaled({ 'scaledobject.kaito.sh/auto-provision': 'yes' }), 'disabled'],
    ['empty', autoscaled({ 'scaledobject.kaito.sh/auto-provision': '' }), 'disabled'],
    ['disabled ignores invalid values', { 'scaledobject.kaito.sh/threshold': 'zero' }, 'disabled'],
  ])('%s', (_name, annotations, expected) => {
    check(readScaling(inferenceSet(annotations), []), expected);
  });
});

describe('threshold', () => {
  it.each<[string, string | undefined, Expected]>([
    ['1', '1', { threshold: 1 }],
    ['10', '10', { threshold: 10 }],
    ['leading zeros', '007', { threshold: 7 }],
    ['largest int32-safe value', '999999999', { threshold: 999999999 }],
    [
      'missing',
      undefined,
      { reason: 'InvalidThreshold', message: /annotation scaledobject.kaito.sh\/threshold is required: .*greater than 0/ },
    ],
    ['0', '0', { reason: 'InvalidThreshold', message: /is "0": .*0 would make KEDA treat the target as unset/ }],
    ['negative', '-1', { reason: 'InvalidThreshold' }],
    ['fraction', '1.5', { reason: 'InvalidThreshold' }],
    ['exponent', '1e3', { reason: 'InvalidThreshold' }],
    ['trailing space', '10 ', { reason: 'InvalidThreshold' }],
    ['text', 'ten', { reason: 'InvalidThreshold' }],
    ['empty', '', { reason: 'InvalidThreshold' }],
    ['ten digits', '1000000000', { reason: 'InvalidThreshold' }],
  ])('%s', (_name, value, expected) => {
    check(readScaling(inferenceSet(autoscaled({ 'scaledobject.kaito.sh/threshold': value })), []), expected);
  });
});

describe('metricName', () => {
  it.each<[string, string | undefined, Expected]>([
    ['default', undefined, { metricName: 'vllm:num_requests_waiting' }],
    ['custom', 'vllm:num_requests_running', { metricName: 'vllm:num_requests_running' }],
    ['plain name', 'queue_depth', { metricName: 'queue_depth' }],
    [
      'space',
      'vllm num',
      {
        reason: 'InvalidMetricName',
        message: /annotation scaledobject.kaito.sh\/metricName is "vllm num": must be a Prometheus metric name/,
      },
    ],
    ['leading digit', '1abc', { reason: 'InvalidMetricName' }],
    ['empty', '', { reason: 'InvalidMetricName' }],
    ['label selector', 'vllm:x{a="b"}', { reason: 'InvalidMetricName' }],
    ['too long', 'a'.repeat(201), { reason: 'InvalidMetricName', message: /is "a{76}\.\.\.: must be a Prometheus metric name/ }],
  ])('%s', (_name, value, expected) => {
    check(readScaling(inferenceSet(autoscaled({ 'scaledobject.kaito.sh/metricName': value })), []), expected);
  });
});

describe('min-replicas', () => {
  it.each<[string, string | undefined, Expected]>([
    ['default', undefined, { minReplicas: 1 }],
    ['1', '1', { minReplicas: 1 }],
    ['3', '3', { minReplicas: 3 }],
    ['equal to max', '4', { minReplicas: 4, maxReplicas: 4 }],
    ['0 collapses to 1', '0', { minReplicas: 1 }],
    ['negative collapses to 1', '-3', { minReplicas: 1 }],
    ['above max', '5', { reason: 'InvalidReplicaRange', message: /max-replicas is "4": .*not less than min-replicas \(5\)/ }],
    ['fraction', '1.5', { reason: 'InvalidReplicaRange', message: /min-replicas is "1.5": must be a whole number/ }],
    ['text', 'one', { reason: 'InvalidReplicaRange' }],
  ])('%s', (_name, value, expected) => {
    check(readScaling(inferenceSet(autoscaled({ 'scaledobject.kaito.sh/min-replicas': value })), []), expected);
  });
});

describe('max-replicas written', () => {
  it.each<[string, string, Record<string, unknown>, Expected]>([
    ['2', '2', {}, { maxReplicas: 2 }],
    ['wins over nodeCountLimit', '3', { nodeCountLimit: 8 }, { maxReplicas: 3 }],
    ['1', '1', {}, { reason: 'InvalidReplicaRange', message: /must be greater than 1/ }],
    ['0', '0', {}, { reason: 'InvalidReplicaRange' }],
    ['negative', '-2', {}, { reason: 'InvalidReplicaRange' }],
    ['text', 'many', {}, { reason: 'InvalidReplicaRange', message: /max-replicas is "many"/ }],
    ['ten digits', '1000000000', {}, { reason: 'InvalidReplicaRange' }],
  ])('%s', (_name, value, spec, expected) => {
    check(readScaling(inferenceSet(autoscaled({ 'scaledobject.kaito.sh/max-replicas': value }), spec), []), expected);
  });
});

describe('max-replicas derived from spec.nodeCountLimit', () => {
  const noMax = autoscaled({ 'scaledobject.kaito.sh/max-replicas': undefined });
  it.each<[string, Record<string, string>, Record<string, unknown>, number[], Expected]>([
    ['one node per replica when no Workspace says', noMax, { nodeCountLimit: 8 }, [], { maxReplicas: 8 }],
    ['Workspaces without a count', noMax, { nodeCountLimit: 8 }, [0, 0], { maxReplicas: 8 }],
    ['two nodes per replica', noMax, { nodeCountLimit: 8 }, [2], { maxReplicas: 4 }],
    ['first non-zero count', noMax, { nodeCountLimit: 12 }, [0, 3, 2], { maxReplicas: 4 }],
    ['rounds down', noMax, { nodeCountLimit: 9 }, [2], { maxReplicas: 4 }],
    [
      'not set',
      noMax,
      {},
      [],
      { reason: 'MissingMaxReplicas', message: /max-replicas is not set and spec.nodeCountLimit is not set either/ },
    ],
    [
      'zero',
      noMax,
      { nodeCountLimit: 0 },
      [],
      { reason: 'MissingMaxReplicas', message: /spec.nodeCountLimit is 0, not a positive whole number/ },
    ],
    ['not a number', noMax, { nodeCountLimit: '8' }, [], { reason: 'MissingMaxReplicas' }],
    [
      'allows one replica',
      noMax,
      { nodeCountLimit: 3 },
      [2],
      { reason: 'InvalidReplicaRange', message: /nodeCountLimit 3 with 2 node\(s\) per replica allows 1 replica/ },
    ],
    [
      'below min-replicas',
      { ...noMax, 'scaledobject.kaito.sh/min-replicas': '5' },
      { nodeCountLimit: 4 },
      [],
      { reason: 'InvalidReplicaRange' },
    ],
  ])('%s', (_name, annotations, spec, counts, expected) => {
    const workspaces = counts.map((count, index) => workspace(`ws-${index}`, 'phi-4-mini', count || undefined));
    check(readScaling(inferenceSet(annotations, spec), workspaces), expected);
  });
});

describe('name length', () => {
  it.each<[number, Expected]>([
    [54, { threshold: 10 }],
    [55, { reason: 'NameTooLong', message: /has 55 characters.*keda-hpa-<name>.*at most 54/ }],
  ])('%i characters', (length, expected) => {
    check(readScaling(inferenceSet(autoscaled(), {}, 'a'.repeat(length)), []), expected);
  });
});

it('does not change the InferenceSet it reads', () => {
  const object = inferenceSet(autoscaled());
  const before = JSON.stringify(object);
  readScaling(object, []);
  expect(JSON.stringify(object)).toBe(before);
});
