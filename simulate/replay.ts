import { fail, ok, type Result } from '../lib/result.js';
import { validateRecordingLine, type RecordedMeasurement } from '../schemas/recording.js';

export interface Recording {
  /** namespace/name of the InferenceSet replayed. */
  readonly name: string;
  /** Oldest first; `at` in seconds since the first. */
  readonly records: readonly (RecordedMeasurement & { readonly at: number })[];
  readonly duration: number;
}

/**
 * The measurements of one InferenceSet in a `scaler --record` file. Problems:
 * `InvalidRecording` (a line that is not a recorded measurement, named by its number),
 * `EmptyRecording`, `AmbiguousRecording` (several InferenceSets and no `only` to choose).
 */
export function parseRecording(text: string, file: string, only?: string): Result<Recording> {
  const bySet = new Map<string, (RecordedMeasurement & { at: number })[]>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (error) {
      return fail('InvalidRecording', `${file} line ${index + 1} is not JSON: ${(error as Error).message}`);
    }
    const record = validateRecordingLine(data);
    if (!record.ok) return fail(record.problem.reason, `${file} line ${index + 1}: ${record.problem.message}`);
    const time = Date.parse(record.value.time);
    if (Number.isNaN(time))
      return fail('InvalidRecording', `${file} line ${index + 1}: time ${JSON.stringify(record.value.time)} is not an ISO 8601 time`);
    const key = `${record.value.namespace}/${record.value.inferenceSet}`;
    bySet.set(key, [...(bySet.get(key) ?? []), { ...record.value, at: time }]);
  }
  if (bySet.size === 0) return fail('EmptyRecording', `${file} holds no recorded measurement`);
  if (only === undefined && bySet.size > 1) {
    return fail(
      'AmbiguousRecording',
      `${file} holds measurements of ${[...bySet.keys()].sort().join(', ')}: choose one with --replay-inference-set`,
    );
  }
  const name = only ?? ([...bySet.keys()][0] as string);
  const chosen = bySet.get(name);
  if (chosen === undefined)
    return fail('EmptyRecording', `${file} holds no measurement of ${name} (it has ${[...bySet.keys()].sort().join(', ')})`);
  chosen.sort((a, b) => a.at - b.at);
  const start = (chosen[0] as { at: number }).at;
  const records = chosen.map((record) => ({ ...record, at: (record.at - start) / 1000 }));
  return ok({ name, records, duration: (records[records.length - 1] as { at: number }).at });
}
