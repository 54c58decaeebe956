import { join } from 'node:path';
import { formatCompositePoll, type TriggerPoll } from '../../dev/composite.js';
import { startDevStack } from '../../dev/stack.js';
import { readCompositePolicy } from '../../hooks/composite.js';
import type { DevOptions } from '../../schemas/dev-options.js';
import { captureLog, eventually, tempDir } from '../scaler/helpers.js';

const policy = (() => {
  const read = readCompositePolicy({
    'scaledobject.kaito.sh/combinepolicy': 'OR',
    'scaledobject.kaito.sh/metrics':
      '- {name: w, type: gauge, upthreshold: 10, downthreshold: 2}\n- {name: q, type: histogram, upthreshold: 1, downthreshold: 0.3}\n',
  });
  if (!read.ok) throw new Error(read.problem.message);
  return read.value;
})();
const poll = (name: string, value: number | string, reason?: string): TriggerPoll => ({
  name,
  value: typeof value === 'number' ? { ok: true, value } : { ok: false, problem: { reason: value, message: 'down' } },
  ...(reason !== undefined && { reason }),
});

describe("formatCompositePoll: each trigger's value and the formula's branch", () => {
  it.each<[string, TriggerPoll[], string]>([
    [
      'a hot signal with the gate open scales up',
      [poll('w', 25), poll('q', 0.5), poll('readiness_gate', 1)],
      'w=25  q=0.5  readiness_gate=1  -> 2.0 scale up',
    ],
    [
      'the gate closed holds a hot signal',
      [poll('w', 25), poll('q', 0.5), poll('readiness_gate', 0)],
      '-> 1.0 hold (hot, but the gate is closed)',
    ],
    ['every signal cool scales down', [poll('w', 1), poll('q', 0.1), poll('readiness_gate', 1)], '-> 0.5 scale down'],
    [
      'a neutral value is marked',
      [poll('w', 4), poll('q', 0.65, 'WarmingUp'), poll('readiness_gate', 1)],
      'q=0.65 (WarmingUp: neutral)  readiness_gate=1  -> 1.0 hold',
    ],
    [
      'a failed trigger fails the formula',
      [poll('w', 'UNAVAILABLE'), poll('q', 0.1), poll('readiness_gate', 1)],
      'w=UNAVAILABLE  q=0.1  readiness_gate=1  -> formula fails (w has no value): the HPA holds',
    ],
  ])('%s', (_name, polls, expected) => {
    expect(formatCompositePoll(3, 'burst', policy, polls)).toContain(expected);
  });
});

describe('the dev stack in composite mode', () => {
  it('renders the composite example and polls every trigger, then the formula', async () => {
    const dir = await tempDir('dev-composite');
    const options: DevOptions = {
      replicas: 2,
      pattern: 'burst',
      policy: 'composite',
      duration: 0,
      hooksPort: 0,
      grpcPort: 0,
      httpPort: 0,
      replicaPort: 0,
      pollInterval: 0.2,
      dir: join(dir.path, 'stack'),
      logLevel: 'warn',
      logFormat: 'json',
    };
    const started = await startDevStack(options, captureLog().log);
    if (!started.ok) throw new Error(started.problem.message);
    const lines: string[] = [];
    try {
      expect(started.value.banner.join('\n')).toContain(
        'formula (readiness_gate == 1 && (vllm_num_requests_waiting > 10 || vllm_request_queue_time_seconds > 1)) ? 2.0 : ',
      );
      started.value.startPolling((line) => lines.push(line));
      await eventually('two poll lines', () => lines.length >= 5);
    } finally {
      await started.value.stop();
      await dir.remove();
    }
    expect(lines.slice(0, 3)).toEqual([
      'GetMetricSpec vllm_num_requests_waiting: metricName=kaito-default-phi-4-mini-vllm-num-requests-waiting',
      'GetMetricSpec vllm_request_queue_time_seconds: metricName=kaito-default-phi-4-mini-vllm-request-queue-time-seconds',
      'GetMetricSpec readiness_gate: metricName=kaito-default-phi-4-mini-readiness-gate',
    ]);
    // Burst, the last replica out for the first 10 s: 20 waiting on the one that answers, the
    // queue-time window still warming up (its neutral value, 0.65), the gate closed.
    expect(lines[3]).toMatch(
      /^t=\d+s +burst +vllm_num_requests_waiting=20 +vllm_request_queue_time_seconds=0\.65 \(WarmingUp: neutral\) +readiness_gate=0 +-> 1\.0 hold \(hot, but the gate is closed\)$/,
    );
  });
});
