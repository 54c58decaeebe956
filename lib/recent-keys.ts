/**
 * The `max` keys touched most recently: for metric series labelled by a value from outside,
 * whose number must stay bounded however many values arrive.
 */
export interface RecentKeys {
  /** Marks `key` as the most recent; returns the keys that fell out (to remove their series). */
  touch(key: string): string[];
  /** Forgets `key` (its series were removed). */
  delete(key: string): void;
  keys(): string[];
}

export function recentKeys(max: number): RecentKeys {
  // A Map iterates in insertion order: re-inserting a key makes it the newest.
  const order = new Map<string, true>();
  return {
    touch(key) {
      order.delete(key);
      order.set(key, true);
      const evicted: string[] = [];
      for (const oldest of order.keys()) {
        if (order.size <= max) break;
        order.delete(oldest);
        evicted.push(oldest);
      }
      return evicted;
    },
    delete(key) {
      order.delete(key);
    },
    keys: () => [...order.keys()],
  };
}
