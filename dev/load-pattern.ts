import type { Pattern } from '../schemas/dev-options.js';

/**
 * How the simulated replicas' load moves over time: pure, so the dev stack, its test and
 * anyone reading the README can say what the scaler should answer at any moment.
 */

export interface ReplicaLoad {
  readonly waiting: number;
  readonly running: number;
  /** False while the replica refuses connections (the scaler's fallback covers it). */
  readonly reachable: boolean;
}

/** `cycle` spends this long in each of steady, burst and idle. */
export const PHASE_SECONDS = 40;
/** The last replica (of two or more) is unreachable for the first this-many seconds of every minute. */
export const OUTAGE_SECONDS = 10;

export type Phase = Exclude<Pattern, 'cycle'>;

const CYCLE = ['steady', 'burst', 'idle'] as const;

/** What the load is doing at this moment: `cycle` goes steady, burst, idle, and again. */
export function phaseAt(pattern: Pattern, elapsedSeconds: number): Phase {
  if (pattern !== 'cycle') return pattern;
  return CYCLE[Math.floor(elapsedSeconds / PHASE_SECONDS) % CYCLE.length] ?? 'steady';
}

export function loadAt(pattern: Pattern, elapsedSeconds: number, replica: number, replicas: number): ReplicaLoad {
  const phase = phaseAt(pattern, elapsedSeconds);
  const reachable = !(replicas >= 2 && replica === replicas - 1 && elapsedSeconds % 60 < OUTAGE_SECONDS);
  switch (phase) {
    case 'steady':
      return { waiting: 3 + (replica % 3), running: 8, reachable };
    case 'burst':
      return { waiting: 20 + 5 * (replica % 3), running: 16, reachable };
    case 'idle':
      return { waiting: 0, running: 0, reachable };
  }
}
