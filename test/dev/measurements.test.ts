import { matchObserved, readings, type Observed } from '../../dev/measurements.js';
import { fail, ok } from '../../lib/result.js';
import type { Answer } from '../../scaler/client.js';

const outcomes = [
  { url: 'http://127.0.0.1:9001/metrics', value: 3 },
  { url: 'http://127.0.0.1:9002/metrics', missing: 'Unreachable' as const, detail: 'connection reset' },
];
const measured = (at: number, value: number, name = 'phi-4-mini'): Observed => ({
  at,
  namespace: 'default',
  name,
  metricName: 'vllm:num_requests_waiting',
  result: ok({ value, active: value > 0, outcomes }),
});
const failed = (at: number): Observed => ({
  at,
  namespace: 'default',
  name: 'phi-4-mini',
  metricName: 'vllm:num_requests_waiting',
  result: fail('NoSamples', 'no replica gave a sample'),
});
const value = (n: number): Answer<number> => ({ ok: true, value: n });
const unavailable: Answer<number> = { ok: false, problem: { reason: 'UNAVAILABLE', message: 'no sample' } };

describe('matchObserved: the measurement that answered this poll', () => {
  it.each<[string, Observed[], number, Answer<number>, number | undefined]>([
    ['the one with the answered value', [measured(100, 13)], 100, value(13), 100],
    ['the latest of several with that value', [measured(100, 13), measured(110, 13)], 100, value(13), 110],
    ['not one from before the poll', [measured(90, 13)], 100, value(13), undefined],
    ['not a later one with another value (another caller)', [measured(100, 13), measured(105, 20)], 100, value(13), 100],
    ['not one of another InferenceSet', [measured(100, 13, 'other')], 100, value(13), undefined],
    ['a failure for a failed call', [measured(100, 13), failed(105)], 100, unavailable, 105],
    ['no success for a failed call', [measured(100, 13)], 100, unavailable, undefined],
    ['nothing when nothing was measured', [], 100, value(13), undefined],
  ])('%s', (_case, observed, since, answer, expectedAt) => {
    const found = matchObserved(observed, {
      namespace: 'default',
      name: 'phi-4-mini',
      metricName: 'vllm:num_requests_waiting',
      since,
      answer,
    });
    expect(found?.at).toBe(expectedAt);
  });
});

describe('readings', () => {
  it('labels each replica by its port, with its value or reason, in measuring order', () => {
    expect(readings({ value: 13, active: true, outcomes })).toEqual([
      { label: ':9001', reading: { value: 3 } },
      { label: ':9002', reading: { missing: 'Unreachable' } },
    ]);
  });
});
