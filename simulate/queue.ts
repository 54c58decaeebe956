/**
 * The load model of one replica: a fluid queue. Requests are a continuous quantity q (in
 * the replica: running plus waiting). Up to `concurrency` of them run at once as one
 * batch, and the batch completes requests at `capacity` · running / concurrency per
 * second, so a full batch serves `capacity` requests/s and a half-full one half as many.
 * The rest wait. With arrivals λ per second:
 *
 *   dq/dt = λ − (capacity / concurrency) · min(q, concurrency)
 *
 * solved exactly over each step (exponential below the batch size, linear above it), so
 * the step length changes nothing but how often the arrival rate may change.
 */

export interface QueueParameters {
  /** Requests per second one replica completes with a full batch (> 0). */
  readonly capacity: number;
  /** Requests one replica runs at once (> 0); vLLM's max_num_seqs. */
  readonly concurrency: number;
}

export const running = (inSystem: number, parameters: QueueParameters): number => Math.min(inSystem, parameters.concurrency);
export const waiting = (inSystem: number, parameters: QueueParameters): number => Math.max(0, inSystem - parameters.concurrency);

/** How long a request arriving now waits before it runs: the queue ahead of it drains at `capacity`. */
export const queueSeconds = (inSystem: number, parameters: QueueParameters): number => waiting(inSystem, parameters) / parameters.capacity;

/** Requests in the replica `seconds` later, given `inSystem` now and a constant arrival rate. */
export function advanceQueue(inSystem: number, arrivalsPerSecond: number, seconds: number, parameters: QueueParameters): number {
  const { capacity, concurrency } = parameters;
  const rate = capacity / concurrency;
  const settled = arrivalsPerSecond / rate; // where q heads while the batch is not full
  let q = inSystem;
  let left = seconds;
  while (left > 0) {
    if (q > concurrency || (q === concurrency && arrivalsPerSecond >= capacity)) {
      // Full batch: the queue moves linearly, down to the batch size at most.
      const slope = arrivalsPerSecond - capacity;
      const untilFull = slope < 0 ? (q - concurrency) / -slope : Infinity;
      if (untilFull >= left) return q + slope * left;
      q = concurrency;
      left -= untilFull;
      continue;
    }
    if (settled <= concurrency) return settled + (q - settled) * Math.exp(-rate * left);
    // Rising past the batch size: exponential until it is reached, then linear.
    const untilFull = Math.log((settled - q) / (settled - concurrency)) / rate;
    if (untilFull >= left) return settled + (q - settled) * Math.exp(-rate * left);
    q = concurrency;
    left -= untilFull;
  }
  return q;
}
