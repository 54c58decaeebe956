import { createProgress } from '../../simulate/progress.js';
import { parseRecording } from '../../simulate/replay.js';

const line = (inferenceSet: string, second: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    time: new Date(Date.UTC(2026, 2, 3, 10, 0, second)).toISOString(),
    namespace: 'default',
    inferenceSet,
    metric: 'vllm:num_requests_waiting',
    aggregation: 'sum',
    threshold: 10,
    replicas: [{ url: 'http://r/metrics', value: 1 }],
    value: 1,
    ...extra,
  });

describe('parseRecording: the measurements of one InferenceSet, oldest first', () => {
  it('orders them and counts seconds from the first', () => {
    const recording = parseRecording([line('a', 30), line('a', 0), '', line('a', 15)].join('\n'), 'r.jsonl');
    expect(recording.ok && [recording.value.name, recording.value.duration, recording.value.records.map((record) => record.at)]).toEqual([
      'default/a',
      30,
      [0, 15, 30],
    ]);
  });

  it('chooses one of several with --replay-inference-set', () => {
    const recording = parseRecording([line('a', 0), line('b', 5), line('b', 20)].join('\n'), 'r.jsonl', 'default/b');
    expect(recording.ok && recording.value.records.map((record) => record.inferenceSet)).toEqual(['b', 'b']);
  });

  it.each<[string, string, string | undefined, string, string]>([
    ['not JSON', `${line('a', 0)}\n{"time":`, undefined, 'InvalidRecording', 'r.jsonl line 2 is not JSON'],
    [
      'a line without replicas',
      JSON.stringify({ ...JSON.parse(line('a', 0)), replicas: undefined }),
      undefined,
      'InvalidRecording',
      'r.jsonl line 1: "replicas" is required',
    ],
    [
      'a negative reading',
      line('a', 0, { replicas: [{ url: 'u', value: -1 }] }),
      undefined,
      'InvalidRecording',
      'r.jsonl line 1: "replicas.0.value" is -1',
    ],
    [
      'a time that is none',
      line('a', 0, { time: '2026-13-45T99:00:00Z' }),
      undefined,
      'InvalidRecording',
      'r.jsonl line 1: time "2026-13-45T99:00:00Z" is not',
    ],
    ['nothing', '\n\n', undefined, 'EmptyRecording', 'r.jsonl holds no recorded measurement'],
    [
      'several InferenceSets',
      `${line('a', 0)}\n${line('b', 0)}`,
      undefined,
      'AmbiguousRecording',
      'r.jsonl holds measurements of default/a, default/b: choose one with --replay-inference-set',
    ],
    [
      'another InferenceSet than asked',
      line('a', 0),
      'default/c',
      'EmptyRecording',
      'r.jsonl holds no measurement of default/c (it has default/a)',
    ],
  ])('refuses %s', (_, text, only, reason, message) => {
    const recording = parseRecording(text, 'r.jsonl', only);
    expect(recording.ok).toBe(false);
    if (recording.ok) return;
    expect(recording.problem.reason).toBe(reason);
    expect(recording.problem.message.startsWith(message)).toBe(true);
  });
});

describe('the progress bar', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
  };

  it('draws on a terminal, once per percent', () => {
    const terminal = stream(true);
    const progress = createProgress(terminal.stream, 200, 'simulating');
    for (let done = 0; done <= 100; done += 1) progress.update(done);
    progress.finish();
    expect(terminal.written).toHaveLength(51 + 1 + 1);
    expect(terminal.written.at(-2)).toBe(`\rsimulating [${'#'.repeat(30)}] 100%`);
    expect(terminal.written.at(-1)).toBe('\n');
  });

  it('writes nothing elsewhere', () => {
    const pipe = stream(false);
    const progress = createProgress(pipe.stream, 200, 'simulating');
    progress.update(100);
    progress.finish();
    expect(pipe.written).toEqual([]);
  });
});
