import { Counter, Histogram, type Registry } from 'prom-client';

export interface HookMetrics {
  observe(hook: string, outcome: string, seconds: number): void;
}

/**
 * Requests a hook decided on, by hook and outcome (`ok` 200, `rejected` 422, `bad_request`
 * 400), and their latency. A body refused before it reaches a hook (not JSON, too large, an
 * unsupported encoding) is answered by the app's error handler and not counted here.
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
  };
}
