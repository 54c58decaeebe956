/**
 * A cap on how many tasks run at once, shared by every scrape round of the process, so
 * that a burst of calls for many InferenceSets cannot open thousands of sockets at once.
 * Waiters are served first come, first served, and give up at their deadline.
 */
export interface Limiter {
  /**
   * Runs `task` once a slot is free; `{ ran: false }` (task not run) when no slot frees up
   * before `deadline` (epoch ms; a non-finite deadline waits as long as it takes).
   */
  run<T>(deadline: number, task: () => Promise<T>): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  readonly start: () => void;
  timer?: NodeJS.Timeout;
}

export function createLimiter(max: number, now: () => number = Date.now): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new Error(`a concurrency cap must be an integer >= 1, not ${max}`);
  let active = 0;
  const queue: Waiter[] = [];

  const release = () => {
    active -= 1;
    const next = queue.shift();
    if (next === undefined) return;
    clearTimeout(next.timer);
    active += 1;
    next.start();
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    run<T>(deadline: number, task: () => Promise<T>) {
      type Outcome = { readonly ran: true; readonly value: T } | { readonly ran: false };
      const execute = async (): Promise<Outcome> => {
        try {
          return { ran: true, value: await task() };
        } finally {
          release();
        }
      };
      if (active < max) {
        active += 1;
        return execute();
      }
      const wait = deadline - now();
      if (wait <= 0) return Promise.resolve({ ran: false });
      return new Promise<Outcome>((resolve, reject) => {
        const waiter: Waiter = { start: () => execute().then(resolve, reject) };
        if (Number.isFinite(wait)) {
          waiter.timer = setTimeout(() => {
            const index = queue.indexOf(waiter);
            if (index !== -1) queue.splice(index, 1);
            resolve({ ran: false });
          }, wait);
        }
        queue.push(waiter);
      });
    },
  };
}
