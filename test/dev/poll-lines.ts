/** A poll line read back: `t=3s steady  :9001=3 :9002=Unreachable  value=13 threshold=10 active=true  HPA wants 2 = ceil(13/10)`. */
export interface PollLine {
  readonly elapsed: number;
  readonly phase: string;
  readonly replicas: ReadonlyArray<{ readonly port: number; readonly value?: number; readonly missing?: string }>;
  readonly value: number;
  readonly threshold: number;
  readonly active: boolean;
  readonly hpa: number;
}

const LINE = /^t=(\d+)s +(\w+) +((?::\d+=\S+ ?)+) +value=(\S+) threshold=(\S+) active=(true|false) +HPA wants (\d+)/;

export function parsePollLine(line: string): PollLine | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  const [, elapsed, phase, replicas, value, threshold, active, hpa] = match as unknown as string[];
  return {
    elapsed: Number(elapsed),
    phase: phase!,
    replicas: replicas!
      .trim()
      .split(' ')
      .map((entry) => {
        const [port, reading] = entry.slice(1).split('=') as [string, string];
        return /^-?[\d.e+]+$/.test(reading) ? { port: Number(port), value: Number(reading) } : { port: Number(port), missing: reading };
      }),
    value: Number(value),
    threshold: Number(threshold),
    active: active === 'true',
    hpa: Number(hpa),
  };
}

/**
 * Problems of a poll line with itself, computed here from the rules of docs/development.md rather than
 * with the project's functions: the value is the sum of the readings shown, with missing
 * replicas filled in by max(Σ, min(Σ + θ·(T−s), θ·T)); IsActive is false only when every
 * replica answered and the sum is 0; the HPA wants ceil(value / threshold) within the bounds.
 */
export function inconsistencies(line: PollLine, bounds: { min: number; max: number }): string[] {
  const problems: string[] = [];
  const values = line.replicas.flatMap((replica) => (replica.value === undefined ? [] : [replica.value]));
  const [T, s, total, theta] = [line.replicas.length, values.length, values.reduce((a, b) => a + b, 0), line.threshold];
  if (s === 0) problems.push(`no replica gave a reading, but the scaler answered ${line.value}`);
  const expected = s === T ? total : Math.max(total, Math.min(total + theta * (T - s), theta * T));
  if (line.value !== Math.max(0, expected)) problems.push(`value ${line.value} is not the sum with fallback of the readings, ${expected}`);
  const active = !(s === T && expected <= 0);
  if (line.active !== active) problems.push(`active=${line.active} but the readings say ${active}`);
  const wanted = Math.min(bounds.max, Math.max(bounds.min, Math.ceil(line.value / line.threshold)));
  if (line.hpa !== wanted)
    problems.push(`HPA wants ${line.hpa}, but ceil(${line.value}/${line.threshold}) within ${bounds.min}..${bounds.max} is ${wanted}`);
  return problems;
}
