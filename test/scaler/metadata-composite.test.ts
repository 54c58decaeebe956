import { parseTriggerMetadata, type TriggerConfig } from '../../scaler/metadata.js';

const base = { inferenceSetName: 'phi-4', inferenceSetNamespace: 'default', metricName: 'vllm:request_queue_time_seconds' };

describe('trigger metadata of composite mode', () => {
  it.each<[string, Record<string, string>, Partial<TriggerConfig>]>([
    ['threshold is optional beyond sum (default 1)', { aggregation: 'service-avg' }, { aggregation: 'service-avg', threshold: 1 }],
    ['windowed-avg with its window', { aggregation: 'windowed-avg', metricCacheWindow: '120' }, { windowMs: 120_000 }],
    ['the window defaults to 300 s', { aggregation: 'windowed-avg' }, { windowMs: 300_000 }],
    ['the largest window', { aggregation: 'rate', metricCacheWindow: '3600' }, { windowMs: 3_600_000 }],
    [
      'percentile with quantile and minSamples',
      { aggregation: 'percentile', quantile: '0.95', minSamples: '5' },
      { quantile: 0.95, minSamples: 5 },
    ],
    [
      'thresholds, negative allowed',
      { aggregation: 'service-avg', upThreshold: '1.5', downThreshold: '-0.5' },
      { upThreshold: 1.5, downThreshold: -0.5 },
    ],
    ['equal thresholds', { aggregation: 'service-avg', upThreshold: '2', downThreshold: '2' }, { upThreshold: 2, downThreshold: 2 }],
    ['the gate', { metricName: 'readiness_gate', aggregation: 'gate' }, { aggregation: 'gate' }],
    [
      'metricSource modelpod (upstream renders it)',
      { aggregation: 'service-avg', metricSource: 'modelpod' },
      { aggregation: 'service-avg' },
    ],
  ])('%s', (_name, metadata, expected) => {
    expect(parseTriggerMetadata({ ...base, ...metadata })).toEqual({ ok: true, value: expect.objectContaining(expected) });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['sum without threshold', { aggregation: 'sum' }, /"threshold" is required/],
    ['no aggregation means sum, which needs threshold', {}, /"threshold" is required/],
    ['percentile without quantile', { aggregation: 'percentile' }, /"quantile" is required/],
    ['quantile 1', { aggregation: 'percentile', quantile: '1' }, /"quantile" is "1": .*between 0 and 1/],
    ['quantile 0', { aggregation: 'percentile', quantile: '0.0' }, /"quantile"/],
    ['window 0', { aggregation: 'rate', metricCacheWindow: '0' }, /"metricCacheWindow" is "0": .*from 1 to 3600/],
    ['window over an hour', { aggregation: 'rate', metricCacheWindow: '3601' }, /"metricCacheWindow"/],
    ['window with a unit', { aggregation: 'rate', metricCacheWindow: '5m' }, /"metricCacheWindow"/],
    ['an unknown aggregation', { aggregation: 'max' }, /"aggregation" is "max"/],
    ['an unknown source', { aggregation: 'service-avg', metricSource: 'prometheus' }, /"metricSource" is "prometheus": .*modelpod/],
    ['an exponent threshold', { aggregation: 'service-avg', upThreshold: '1e3', downThreshold: '1' }, /"upThreshold"/],
    ['a non-numeric threshold', { aggregation: 'service-avg', upThreshold: '10', downThreshold: 'low' }, /"downThreshold"/],
    ['down above up', { aggregation: 'service-avg', upThreshold: '1', downThreshold: '2' }, /must not exceed "upThreshold"/],
    ['minSamples not a whole number', { aggregation: 'percentile', quantile: '0.9', minSamples: '2.5' }, /"minSamples"/],
  ])('%s -> InvalidMetadata', (_name, metadata, message) => {
    const result = parseTriggerMetadata({ ...base, ...metadata });
    expect(result).toEqual({ ok: false, problem: { reason: 'InvalidMetadata', message: expect.stringMatching(message) } });
  });
});
