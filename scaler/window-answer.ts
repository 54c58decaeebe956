import { fail, ok, type Result } from '../lib/result.js';
import { increase, inWindow, percentile, rate, windowedAverage, type Increase, type Snapshot, type WindowedValue } from './windowed.js';

/**
 * What a windowed trigger answers from the samples kept: the aggregation's value when the
 * history covers the window and is fresh; otherwise a reason (`WarmingUp`, `Stale`, ...)
 * with the neutral value between the trigger's thresholds when it carries both (KEDA fails
 * a composite metric as a whole when any of its triggers errors: a neutral value keeps the
 * other signals working), else a problem with that reason. Pure.
 */
export interface WindowQuestion {
  readonly aggregation: 'windowed-avg' | 'percentile' | 'rate';
  readonly windowMs: number;
  readonly intervalMs: number;
  readonly quantile?: number;
  readonly minSamples: number;
  readonly upThreshold?: number;
  readonly downThreshold?: number;
}

export interface WindowAnswer {
  readonly value: number;
  /** Set when the value is the neutral one, not a reading. */
  readonly reason?: string;
  /** Share of the window the samples span, 0 to 1. */
  readonly coverage: number;
  /** Age of the newest sample, ms; undefined without samples. */
  readonly newestAgeMs?: number;
  /** Replicas with at least two samples in the window. */
  readonly sampled: number;
  readonly resets: number;
  readonly explanation: string;
}

export const MIN_COVERAGE = 0.8;
export const STALE_INTERVALS = 3;

/** `histories`: one per replica asked about, each sorted by time (possibly empty). */
export function answerWindow(question: WindowQuestion, histories: readonly (readonly Snapshot[])[], now: number): Result<WindowAnswer> {
  const windows = histories.map((history) => inWindow(history, now, question.windowMs));
  let newest = -Infinity;
  let oldest = Infinity;
  for (const window of windows) {
    const first = window[0];
    const last = window[window.length - 1];
    if (first !== undefined && first.at < oldest) oldest = first.at;
    if (last !== undefined && last.at > newest) newest = last.at;
  }
  const facts = { coverage: 0, sampled: 0, resets: 0 };
  if (newest === -Infinity) {
    return withoutReading(question, 'WarmingUp', { ...facts, explanation: 'no sample kept yet' });
  }
  const newestAgeMs = now - newest;
  const coverage = Math.min(1, Math.max(0, (newest - oldest) / question.windowMs));
  const seen = { ...facts, coverage, newestAgeMs };
  if (newestAgeMs > STALE_INTERVALS * question.intervalMs) {
    return withoutReading(question, 'Stale', {
      ...seen,
      explanation: `the newest sample is ${seconds(newestAgeMs)} old, more than ${STALE_INTERVALS} sampling intervals (${seconds(question.intervalMs)} each)`,
    });
  }
  if (coverage < MIN_COVERAGE) {
    return withoutReading(question, 'WarmingUp', {
      ...seen,
      explanation: `the samples span ${percent(coverage)} of the ${seconds(question.windowMs)} window; ${percent(MIN_COVERAGE)} is needed`,
    });
  }
  const increases = windows.map(increase).filter((each): each is Increase => each !== undefined);
  const resets = increases.reduce((total, each) => total + each.resets, 0);
  const read = readValue(question, increases);
  const counted = { ...seen, sampled: increases.length, resets };
  if ('problem' in read) return withoutReading(question, read.reason, { ...counted, explanation: read.problem });
  const notes = [
    `${question.aggregation} over ${seconds(question.windowMs)} from ${increases.length} of ${histories.length} replicas`,
    ...(read.note !== undefined ? [read.note] : []),
    ...(resets > 0 ? [`${resets} restart${resets === 1 ? '' : 's'} in the window counted from 0`] : []),
  ];
  return ok({ value: read.value, ...counted, explanation: notes.join('; ') });
}

function readValue(
  question: WindowQuestion,
  increases: readonly Increase[],
): WindowedValue | { readonly problem: string; readonly reason: string } {
  if (increases.length === 0) return { problem: 'no replica has two samples in the window yet', reason: 'WarmingUp' };
  switch (question.aggregation) {
    case 'windowed-avg':
      return windowedAverage(increases);
    case 'rate': {
      const read = rate(increases);
      return 'problem' in read ? { ...read, reason: 'WarmingUp' } : read;
    }
    case 'percentile': {
      const read = percentile(increases, question.quantile ?? 0.5, question.minSamples);
      return 'problem' in read ? { ...read, reason: 'IncompatibleBuckets' } : read;
    }
  }
}

type Facts = Omit<WindowAnswer, 'value' | 'reason'>;

/** The neutral value with `reason` when the trigger carries both thresholds; else the problem `reason`. */
export function withoutReading(
  question: Pick<WindowQuestion, 'upThreshold' | 'downThreshold'>,
  reason: string,
  facts: Facts,
): Result<WindowAnswer> {
  const { upThreshold: up, downThreshold: down } = question;
  if (up === undefined || down === undefined) return fail(reason, facts.explanation);
  const value = (up + down) / 2;
  return ok({
    ...facts,
    value,
    reason,
    explanation: `${facts.explanation}: answering the neutral value ${value} (between ${down} and ${up})`,
  });
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;
const percent = (share: number): string => `${Math.round(share * 100)}%`;
