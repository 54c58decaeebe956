import { Counter, Histogram, type Registry } from 'prom-client';

export interface HookMetrics {
  /** A request the hook decided on, and how long it took. */
  observe(hook: string, outcome: string, seconds: number): void;
  /** A request refused before the hook read it, or one that failed: counted, not timed. */
  count(hook: string, outcome: string): void;
}

/**
 * Requests by hook and outcome: `ok` 200, `rejected` 422, `bad_request` 400 (including a
 * body refused before the hook read it: not JSON, nested too deeply, an unsupported
 * encoding), `too_large` 413, `error` 500; and the latency of those the hook decided on.
 */
export function createHookMetrics(registry: Registry): HookMetrics {
  const requests = new Counter({
    name: 'kks_hook_requests_total',
    help: 'Webhook requests answered, by hook and outcome.',
    labelNames: ['hook', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kks_hook_request_duration_seconds',
    help: 'Time to answer a webhook request, by hook and outcome.',
    labelNames: ['hook', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return {
    observe(hook, outcome, seconds) {
      requests.inc({ hook, outcome });
      duration.observe({ hook, outcome }, seconds);
    },
    count(hook, outcome) {
      requests.inc({ hook, outcome });
    },
  };
}
