import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { RecordedMeasurement } from '../schemas/recording.js';
import type { ObservedMeasurement } from './measure.js';

/**
 * `scaler --record DIR`: every measurement as one JSON line (schemas/recording.ts) in
 * DIR/measurements.jsonl, for `simulate --replay`. When the file would pass `maxBytes` it
 * becomes measurements.1.jsonl (the older ones move up, the oldest beyond `files` is
 * deleted), so the folder never holds more than about (files + 1) · maxBytes. Writing never
 * gets in the way of answering KEDA: a failed write is logged and the line dropped.
 */

export const RECORD_FILE = 'measurements.jsonl';

export interface RecorderOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly files: number;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface Recorder {
  observe(seen: ObservedMeasurement): void;
  close(): void;
}

/** The line recorded for a measurement (pure). */
export function recordOf(seen: ObservedMeasurement, time: number): RecordedMeasurement {
  const { config, outcomes, result } = seen;
  return {
    time: new Date(time).toISOString(),
    namespace: config.inferenceSetNamespace,
    inferenceSet: config.inferenceSetName,
    metric: config.metricName,
    aggregation: config.aggregation,
    threshold: config.threshold,
    replicas: outcomes.map((outcome) =>
      'value' in outcome ? { url: outcome.url, value: outcome.value } : { url: outcome.url, reason: outcome.missing },
    ),
    ...(result.ok ? { value: result.value.value } : { problem: result.problem }),
  };
}

const rotated = (dir: string, index: number): string => join(dir, `measurements.${index}.jsonl`);

export function createRecorder(options: RecorderOptions): Recorder {
  const { dir, maxBytes, files, log } = options;
  const now = options.now ?? Date.now;
  const current = join(dir, RECORD_FILE);
  let fd: number | undefined;
  let size = 0;
  let failing = false;

  const open = () => {
    mkdirSync(dir, { recursive: true });
    fd = openSync(current, 'a');
    size = statSync(current).size;
  };
  const rotate = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(rotated(dir, files), { force: true });
    for (let index = files - 1; index >= 1; index -= 1) {
      try {
        renameSync(rotated(dir, index), rotated(dir, index + 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (files > 0) renameSync(current, rotated(dir, 1));
    else rmSync(current, { force: true });
    open();
  };

  return {
    observe(seen) {
      const line = `${JSON.stringify(recordOf(seen, now()))}\n`;
      const bytes = Buffer.byteLength(line);
      try {
        if (fd === undefined) open();
        if (size > 0 && size + bytes > maxBytes) rotate();
        writeSync(fd as number, line);
        size += bytes;
        if (failing) log.info({ dir }, 'recording measurements again');
        failing = false;
      } catch (error) {
        // Logged once per run of failures (a full disk would otherwise log every call).
        if (!failing) log.warn({ dir, err: (error as Error).message }, 'cannot record measurements; the scaler keeps serving');
        failing = true;
        if (fd !== undefined) {
          try {
            closeSync(fd);
          } catch {
            // Already unusable: the next measurement opens the file again.
          }
        }
        fd = undefined;
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
