import { fail, ok, type Problem, type Result } from '../lib/result.js';

/**
 * A cap on how many tasks run at once, shared by every scrape round of the process, so
 * that a burst of calls for many InferenceSets cannot open thousands of sockets at once,
 * and shared fairly, so that one tenant whose replicas are slow (or never answer) slows
 * only itself.
 *
 * Every task belongs to a tenant: an InferenceSet (`key`) in a namespace (`group`). The
 * rule, in full:
 *  - at most `max` tasks run at once;
 *  - at most `perGroup` of them belong to one namespace, and at most `perKey` to one
 *    InferenceSet, whether or not anyone else is waiting: a slot held by a replica that
 *    never answers cannot be taken back, so a share must be refused before it is taken;
 *  - when a slot frees up, waiters are served round-robin: the next namespace (in the order
 *    they started waiting) that is under its share, then within it the next InferenceSet
 *    under its share, then that InferenceSet's oldest waiter;
 *  - a waiter gives up at its deadline.
 */
export interface Tenant {
  /** The namespace. */
  readonly group: string;
  /** The InferenceSet, unique within its namespace. */
  readonly key: string;
}

export interface LimiterShares {
  /** Tasks running at once in the whole process. */
  readonly max: number;
  /** Tasks of one namespace running at once (<= max). */
  readonly perGroup: number;
  /** Tasks of one InferenceSet running at once (<= perGroup). */
  readonly perKey: number;
}

/** The task's value, or `QueueTimeout` when it never got a slot (the task did not run). */
export type Outcome<T> = Result<T, Problem<'QueueTimeout'>>;

const NO_SLOT: Outcome<never> = fail('QueueTimeout', 'no free slot before the deadline');

export interface Limiter {
  readonly shares: LimiterShares;
  /**
   * Runs `task` once the tenant may take a slot; `QueueTimeout` (task not run) when it
   * may not before `deadline` (epoch ms; a non-finite deadline waits as long as it takes).
   */
  run<T>(tenant: Tenant, deadline: number, task: () => Promise<T>): Promise<Outcome<T>>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
  /** Tenants with tasks waiting, most waiting first, at most `limit` of them. */
  busiestWaiting(limit: number): Array<{ readonly tenant: Tenant; readonly waiting: number }>;
  /** Tenants that have at least one task waiting. */
  readonly waitingTenants: number;
}

/** The shares a process-wide cap implies: half of it per InferenceSet, three quarters per namespace. */
export function sharesOf(max: number): LimiterShares {
  return { max, perGroup: Math.max(1, Math.ceil((max * 3) / 4)), perKey: Math.max(1, Math.ceil(max / 2)) };
}

interface Waiter {
  readonly start: () => void;
  timer?: NodeJS.Timeout;
}

interface KeyState {
  active: number;
  readonly queue: Waiter[];
}

interface GroupState {
  active: number;
  readonly keys: Map<string, KeyState>;
  /** Keys with waiters, in serving order. */
  readonly rotation: string[];
}

export function createLimiter(shares: number | LimiterShares, now: () => number = Date.now): Limiter {
  const { max, perGroup, perKey } = typeof shares === 'number' ? sharesOf(shares) : shares;
  for (const [what, value] of Object.entries({ max, perGroup, perKey })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`a concurrency cap must be an integer >= 1, not ${what} ${value}`);
  }
  if (perGroup > max || perKey > perGroup)
    throw new Error(`concurrency caps must satisfy perKey <= perGroup <= max, not ${perKey}, ${perGroup}, ${max}`);
  let active = 0;
  let waiting = 0;
  const groups = new Map<string, GroupState>();
  /** Groups with waiters, in serving order. */
  const rotation: string[] = [];

  const groupOf = (name: string): GroupState => {
    let group = groups.get(name);
    if (group === undefined) {
      group = { active: 0, keys: new Map(), rotation: [] };
      groups.set(name, group);
    }
    return group;
  };
  const keyOf = (group: GroupState, name: string): KeyState => {
    let key = group.keys.get(name);
    if (key === undefined) {
      key = { active: 0, queue: [] };
      group.keys.set(name, key);
    }
    return key;
  };
  /** Forgets a tenant with nothing running or waiting, so state never outgrows the work in flight. */
  const tidy = (tenant: Tenant) => {
    const group = groups.get(tenant.group);
    if (group === undefined) return;
    const key = group.keys.get(tenant.key);
    if (key !== undefined && key.active === 0 && key.queue.length === 0) group.keys.delete(tenant.key);
    if (key !== undefined && key.queue.length === 0) remove(group.rotation, tenant.key);
    if (group.rotation.length === 0) remove(rotation, tenant.group);
    if (group.active === 0 && group.keys.size === 0) groups.delete(tenant.group);
  };

  const take = (tenant: Tenant) => {
    const group = groupOf(tenant.group);
    active += 1;
    group.active += 1;
    keyOf(group, tenant.key).active += 1;
  };

  /** Starts the next waiters the shares allow, round-robin over namespaces, then InferenceSets. */
  const dispatch = () => {
    while (active < max) {
      const next = nextWaiter();
      if (next === undefined) return;
      const { tenant, waiter } = next;
      clearTimeout(waiter.timer);
      waiting -= 1;
      take(tenant);
      tidy(tenant);
      waiter.start();
    }
  };
  const nextWaiter = (): { tenant: Tenant; waiter: Waiter } | undefined => {
    for (const groupName of rotation) {
      const group = groups.get(groupName) as GroupState;
      if (group.active >= perGroup) continue;
      for (const keyName of group.rotation) {
        const key = group.keys.get(keyName) as KeyState;
        if (key.active >= perKey) continue;
        const waiter = key.queue.shift() as Waiter;
        // Served: to the back of both rotations, so every other tenant goes before it again.
        moveToBack(group.rotation, keyName);
        moveToBack(rotation, groupName);
        return { tenant: { group: groupName, key: keyName }, waiter };
      }
    }
    return undefined;
  };

  const release = (tenant: Tenant) => {
    const group = groups.get(tenant.group) as GroupState;
    const key = group.keys.get(tenant.key) as KeyState;
    active -= 1;
    group.active -= 1;
    key.active -= 1;
    tidy(tenant);
    dispatch();
  };

  return {
    shares: { max, perGroup, perKey },
    get active() {
      return active;
    },
    get waiting() {
      return waiting;
    },
    get waitingTenants() {
      let count = 0;
      for (const group of groups.values()) count += group.rotation.length;
      return count;
    },
    busiestWaiting(limit) {
      const all = [...groups.entries()].flatMap(([group, state]) =>
        [...state.keys.entries()]
          .filter(([, key]) => key.queue.length > 0)
          .map(([key, { queue }]) => ({ tenant: { group, key }, waiting: queue.length })),
      );
      return all.sort((a, b) => b.waiting - a.waiting).slice(0, limit);
    },
    run<T>(tenant: Tenant, deadline: number, task: () => Promise<T>) {
      const execute = async (): Promise<Outcome<T>> => {
        try {
          return ok(await task());
        } finally {
          release(tenant);
        }
      };
      const group = groups.get(tenant.group);
      const key = group?.keys.get(tenant.key);
      // Waiters of this tenant, if any, are blocked by its shares: a newcomer queues behind them.
      if (active < max && (group?.active ?? 0) < perGroup && (key?.active ?? 0) < perKey && (key?.queue.length ?? 0) === 0) {
        take(tenant);
        return execute();
      }
      const wait = deadline - now();
      if (wait <= 0) return Promise.resolve(NO_SLOT);
      return new Promise<Outcome<T>>((resolve, reject) => {
        const waiter: Waiter = { start: () => execute().then(resolve, reject) };
        const state = groupOf(tenant.group);
        const queue = keyOf(state, tenant.key).queue;
        if (Number.isFinite(wait)) {
          waiter.timer = setTimeout(() => {
            remove(queue, waiter);
            waiting -= 1;
            tidy(tenant);
            resolve(NO_SLOT);
          }, wait);
        }
        queue.push(waiter);
        waiting += 1;
        if (!state.rotation.includes(tenant.key)) state.rotation.push(tenant.key);
        if (!rotation.includes(tenant.group)) rotation.push(tenant.group);
      });
    },
  };
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index !== -1) list.splice(index, 1);
}

function moveToBack<T>(list: T[], item: T): void {
  remove(list, item);
  list.push(item);
}
