import { answerWindow, type WindowQuestion } from '../../scaler/window-answer.js';
import type { Snapshot } from '../../scaler/windowed.js';

const s = (seconds: number, count: number, sum: number): Snapshot => ({ at: seconds * 1000, series: [{ key: '', count, sum }] });
/** Samples every 15 s from `from` to `to` (seconds), each adding 2 observations of 0.5 s. */
const steady = (from: number, to: number): Snapshot[] => {
  const history: Snapshot[] = [];
  for (let t = from, n = 0; t <= to; t += 15, n += 1) history.push(s(t, 2 * n, n));
  return history;
};
const question = (extra: Partial<WindowQuestion> = {}): WindowQuestion => ({
  aggregation: 'windowed-avg',
  windowMs: 300_000,
  intervalMs: 15_000,
  minSamples: 20,
  ...extra,
});
const thresholds = { upThreshold: 4, downThreshold: 1 };

describe('answerWindow: coverage, staleness and the neutral value', () => {
  it.each<[string, Partial<WindowQuestion>, Snapshot[][], number, unknown]>([
    ['a full, fresh window: the reading', {}, [steady(0, 600)], 600_000, { value: 0.5, coverage: 1, sampled: 1 }],
    ['no samples yet, with thresholds: neutral, WarmingUp', thresholds, [[]], 10_000, { value: 2.5, reason: 'WarmingUp', coverage: 0 }],
    [
      'coverage 75 % (< 80 %): neutral, WarmingUp',
      thresholds,
      [steady(0, 225)],
      225_000,
      { value: 2.5, reason: 'WarmingUp', coverage: 0.75 },
    ],
    ['coverage 80 %: read', thresholds, [steady(0, 240)], 240_000, { value: 0.5, coverage: 0.8 }],
    ['newest sample 45 s old (3 intervals): still read', thresholds, [steady(0, 600)], 645_000, { value: 0.5 }],
    ['newest sample 46 s old (> 3 intervals): neutral, Stale', thresholds, [steady(0, 600)], 646_000, { value: 2.5, reason: 'Stale' }],
    [
      'a replica restart inside the window: counted from 0',
      {},
      [[s(0, 100, 50), s(150, 110, 55), s(165, 4, 4), s(300, 6, 5)]],
      300_000,
      { value: (5 + 4 + 1) / (10 + 4 + 2), resets: 1 },
    ],
    [
      'no observations in the window: 0, not neutral',
      thresholds,
      [[s(0, 5, 5), s(300, 5, 5)]],
      300_000,
      { value: 0, explanation: expect.stringContaining('no observations') },
    ],
    ['one replica empty, one full: the full one is read', {}, [[], steady(0, 600)], 600_000, { value: 0.5, sampled: 1 }],
    [
      'negative thresholds: the neutral value is their middle',
      { upThreshold: -1, downThreshold: -3 },
      [[]],
      0,
      { value: -2, reason: 'WarmingUp' },
    ],
  ])('%s', (_name, extra, histories, now, expected) => {
    expect(answerWindow(question(extra), histories, now)).toEqual({ ok: true, value: expect.objectContaining(expected as object) });
  });

  it.each<[string, Partial<WindowQuestion>, Snapshot[][], number, string]>([
    ['no samples, no thresholds: UNAVAILABLE with WarmingUp', {}, [[]], 0, 'WarmingUp'],
    ['stale, no thresholds', {}, [steady(0, 600)], 700_000, 'Stale'],
    [
      'percentile without buckets, no thresholds',
      { aggregation: 'percentile', quantile: 0.9 },
      [steady(0, 600)],
      600_000,
      'IncompatibleBuckets',
    ],
  ])('%s', (_name, extra, histories, now, reason) => {
    const answer = answerWindow(question(extra), histories, now);
    expect(answer.ok ? 'ok' : answer.problem.reason).toBe(reason);
  });

  it('rate over a counter restart never goes negative', () => {
    const counter = (seconds: number, value: number): Snapshot => ({ at: seconds * 1000, series: [{ key: '', count: value, sum: 0 }] });
    const answer = answerWindow(
      question({ aggregation: 'rate', windowMs: 60_000 }),
      [[counter(0, 1000), counter(30, 1600), counter(45, 100), counter(60, 400)]],
      60_000,
    );
    expect(answer).toEqual({ ok: true, value: expect.objectContaining({ value: (600 + 100 + 300) / 60, resets: 1 }) });
  });
});
