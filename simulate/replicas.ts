import { nextRandom } from '../lib/random.js';
import { advanceQueue, queueSeconds, type QueueParameters } from './queue.js';

/**
 * The replicas of one InferenceSet. A replica the HPA adds exists at once (its Workspace
 * is created, so the scaler counts and scrapes it) but serves only `startup` seconds later
 * (node provisioning and model load); until then its scrape fails. Arrivals are spread
 * evenly over the replicas that serve; with none serving they wait at the gateway and are
 * handed out as soon as one does. A replica that is removed or fails hands its requests
 * to the others (clients retry). A failed replica restarts: it serves again `startup`
 * seconds later.
 */
export interface Replica {
  readonly readyAt: number;
  /** Requests in the replica (running + waiting). */
  readonly inSystem: number;
}

export interface Pool {
  readonly replicas: readonly Replica[];
  /** Requests waiting for a replica to serve. */
  readonly gateway: number;
  /** State of the failure generator. */
  readonly seed: number;
  readonly failures: number;
}

export interface PoolParameters extends QueueParameters {
  readonly startupSeconds: number;
  /** Expected failures per replica per hour (0: none). */
  readonly failuresPerHour: number;
}

export const startingPool = (replicas: number, seed: number): Pool => ({
  replicas: Array.from({ length: replicas }, () => ({ readyAt: 0, inSystem: 0 })),
  gateway: 0,
  seed,
  failures: 0,
});

export const isReady = (replica: Replica, now: number): boolean => replica.readyAt <= now;

export const readyCount = (pool: Pool, now: number): number =>
  pool.replicas.reduce((count, replica) => count + (isReady(replica, now) ? 1 : 0), 0);

/** Adds replicas that start now, or removes replicas: those still starting first, then the newest. */
export function scalePool(pool: Pool, count: number, now: number, parameters: PoolParameters): Pool {
  if (count >= pool.replicas.length) {
    const added = Array.from({ length: count - pool.replicas.length }, () => ({ readyAt: now + parameters.startupSeconds, inSystem: 0 }));
    return { ...pool, replicas: [...pool.replicas, ...added] };
  }
  const order = pool.replicas.map((replica, index) => ({ replica, index }));
  // Keep the longest-serving replicas: sort by readiness, the ones still starting last.
  order.sort((a, b) => a.replica.readyAt - b.replica.readyAt || a.index - b.index);
  const kept = new Set(order.slice(0, count).map((entry) => entry.index));
  const dropped = pool.replicas.reduce((total, replica, index) => total + (kept.has(index) ? 0 : replica.inSystem), 0);
  return { ...pool, replicas: pool.replicas.filter((_, index) => kept.has(index)), gateway: pool.gateway + dropped };
}

/** Moves the replicas `seconds` forward at `arrivalsPerSecond`: failures first, then the queues. */
export function advancePool(pool: Pool, now: number, seconds: number, arrivalsPerSecond: number, parameters: PoolParameters): Pool {
  let { seed, gateway, failures } = pool;
  let replicas = pool.replicas;
  if (parameters.failuresPerHour > 0) {
    const chance = (parameters.failuresPerHour * seconds) / 3600;
    replicas = replicas.map((replica) => {
      if (!isReady(replica, now)) return replica;
      const draw = nextRandom(seed);
      seed = draw.seed;
      if (draw.value >= chance) return replica;
      failures += 1;
      gateway += replica.inSystem;
      return { readyAt: now + parameters.startupSeconds, inSystem: 0 };
    });
  }
  const serving = replicas.reduce((count, replica) => count + (isReady(replica, now) ? 1 : 0), 0);
  if (serving === 0) return { replicas, gateway: gateway + arrivalsPerSecond * seconds, seed, failures };
  const handedOut = gateway / serving;
  const share = arrivalsPerSecond / serving;
  replicas = replicas.map((replica) =>
    isReady(replica, now)
      ? { readyAt: replica.readyAt, inSystem: advanceQueue(replica.inSystem + handedOut, share, seconds, parameters) }
      : replica,
  );
  return { replicas, gateway: 0, seed, failures };
}

/**
 * The queue time a request arriving now can expect: the mean over serving replicas (each
 * gets an equal share); with none serving, the wait for the first to start plus its queue.
 */
export function expectedQueueSeconds(pool: Pool, now: number, parameters: QueueParameters): number {
  let serving = 0;
  let total = 0;
  let first = Infinity;
  for (const replica of pool.replicas) {
    if (isReady(replica, now)) {
      serving += 1;
      total += queueSeconds(replica.inSystem, parameters);
    } else {
      first = Math.min(first, replica.readyAt);
    }
  }
  if (serving > 0) return total / serving;
  return (Number.isFinite(first) ? first - now : 0) + Math.max(0, pool.gateway - parameters.concurrency) / parameters.capacity;
}
