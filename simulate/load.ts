import { fail, ok, type Result } from '../lib/result.js';
import { validateTraceRow } from '../schemas/recording.js';

/**
 * Arrivals over time (requests per second into the whole InferenceSet): a built-in shape or
 * a trace. A load is piecewise constant: `rateAt(t)` holds from one change to the next.
 */
export interface Load {
  readonly name: string;
  /** Seconds the load lasts unless `--duration` says otherwise. */
  readonly duration: number;
  rateAt(seconds: number): number;
}

export const SHAPES = ['step', 'diurnal', 'burst'] as const;
export type Shape = (typeof SHAPES)[number];

const HOUR = 3600;

/**
 * The built-in shapes, scaled so that `peak` requests/s is the busiest moment:
 *  - step: 15 % of the peak, the peak from 30 min to 3 h, then 15 % again (4 h);
 *  - burst: 25 % of the peak, with 10 min at the peak every hour from 30 min on (3 h);
 *  - diurnal: a day from 10 % at midnight to the peak at noon, a cosine (24 h).
 */
export function shapeLoad(shape: Shape, peak: number): Load {
  switch (shape) {
    case 'step':
      return { name: 'step', duration: 4 * HOUR, rateAt: (t) => (t >= 0.5 * HOUR && t < 3 * HOUR ? peak : 0.15 * peak) };
    case 'burst':
      return { name: 'burst', duration: 3 * HOUR, rateAt: (t) => (t >= 0.5 * HOUR && (t - 0.5 * HOUR) % HOUR < 600 ? peak : 0.25 * peak) };
    case 'diurnal':
      return {
        name: 'diurnal',
        duration: 24 * HOUR,
        rateAt: (t) => peak * (0.1 + (0.9 * (1 - Math.cos((2 * Math.PI * t) / (24 * HOUR)))) / 2),
      };
  }
}

/**
 * A trace file: CSV lines `t_seconds,arrivals_per_second` (a header line with those names
 * is allowed, blank lines and `#` comments are skipped), times strictly increasing from
 * the first. Each rate holds until the next line; the trace ends at its last line's time.
 * Problems: `InvalidTrace`, naming the file and line.
 */
export function parseTrace(text: string, file: string): Result<Load> {
  const times: number[] = [];
  const rates: number[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (times.length === 0 && /^t_seconds\s*,\s*arrivals_per_second$/.test(line)) continue;
    const where = `${file} line ${index + 1}`;
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== 2)
      return fail('InvalidTrace', `${where}: expected "t_seconds,arrivals_per_second", got ${JSON.stringify(line.slice(0, 80))}`);
    const row = validateTraceRow({ t_seconds: toNumber(cells[0]), arrivals_per_second: toNumber(cells[1]) });
    if (!row.ok) return fail(row.problem.reason, `${where}: ${row.problem.message}`);
    const last = times[times.length - 1];
    if (last !== undefined && row.value.t_seconds <= last) {
      return fail('InvalidTrace', `${where}: t_seconds ${row.value.t_seconds} must be greater than the line before (${last})`);
    }
    times.push(row.value.t_seconds);
    rates.push(row.value.arrivals_per_second);
  }
  if (times.length < 2) return fail('InvalidTrace', `${file} needs at least two lines of t_seconds,arrivals_per_second`);
  const start = times[0] as number;
  const offsets = times.map((time) => time - start);
  return ok({
    name: file,
    duration: offsets[offsets.length - 1] as number,
    rateAt(t) {
      // The last line at or before t (binary search: traces can be long).
      let low = 0;
      let high = offsets.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((offsets[middle] as number) <= t) low = middle;
        else high = middle - 1;
      }
      return rates[low] as number;
    },
  });
}

/** A cell as a number when it is one; otherwise the text, so the schema names the bad value. */
function toNumber(cell: string | undefined): unknown {
  return cell !== undefined && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(cell) ? Number(cell) : cell;
}
