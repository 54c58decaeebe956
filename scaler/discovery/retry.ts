export interface RetryPolicy {
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** The delay doubles after each failure up to this cap. */
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (0 for the first): doubling from `initialMs`, capped at
 * `maxMs`, spread by ±20% (`random` in [0, 1)) so that replicas restarted together do not
 * hit a recovering API server in step.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(base * (0.8 + 0.4 * random));
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. The timer is dropped on abort. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
