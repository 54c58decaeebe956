import type { PolicyRun, PolicySummary, TimelineRow } from './run.js';

/** The files and the table of a rehearsal, as text: pure, so tests read them as users do. */

const TIMELINE_COLUMNS = [
  't_seconds',
  'policy',
  'replicas',
  'ready_replicas',
  'hpa_aim',
  'value',
  'threshold',
  'arrivals_per_second',
  'waiting',
  'running',
  'queue_seconds',
  'reason',
] as const;

/** A number as CSV writes it: empty when there is none, at most 6 decimals. */
const cell = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '' : String(Math.round(value * 1e6) / 1e6);

/** Policy names are Kubernetes object names: no comma or quote to escape. */
export function timelineCsv(runs: readonly PolicyRun[]): string {
  const lines = [TIMELINE_COLUMNS.join(',')];
  const row = (entry: TimelineRow) =>
    [
      entry.t,
      entry.policy,
      entry.replicas,
      entry.ready,
      cell(entry.aim),
      cell(entry.value),
      cell(entry.threshold),
      cell(entry.arrivals),
      cell(entry.waiting),
      cell(entry.running),
      cell(entry.queueSeconds),
      entry.reason,
    ].join(',');
  // One row per sync per policy, in time order.
  const length = Math.max(0, ...runs.map((run) => run.rows.length));
  for (let index = 0; index < length; index += 1) {
    for (const run of runs) {
      const entry = run.rows[index];
      if (entry !== undefined) lines.push(row(entry));
    }
  }
  return `${lines.join('\n')}\n`;
}

const rounded = (summary: PolicySummary): PolicySummary => ({
  ...summary,
  gpuHours: Math.round(summary.gpuHours * 1000) / 1000,
  p95QueueSeconds: summary.p95QueueSeconds === null ? null : Math.round(summary.p95QueueSeconds * 10) / 10,
});

export interface SummaryDocument {
  /** What `secondsOverTarget` counts in this run. */
  readonly overTarget: string;
  readonly policies: Readonly<Record<string, PolicySummary>>;
}

export function summaryDocument(runs: readonly PolicyRun[], overTarget: string): SummaryDocument {
  return { overTarget, policies: Object.fromEntries(runs.map((run) => [run.policy, rounded(run.summary)])) };
}

const HEADERS = ['policy', 'GPU-hours', 'over target', 'p95 queue', 'scale-ups', 'scale-downs', 'max replicas'] as const;

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The summary as table cells, one row per policy (shared by stdout and the report). */
export function summaryCells(runs: readonly PolicyRun[]): { headers: readonly string[]; rows: string[][] } {
  return {
    headers: HEADERS,
    rows: runs.map(({ policy, summary }) => [
      policy,
      summary.gpuHours.toFixed(1),
      formatDuration(summary.secondsOverTarget),
      summary.p95QueueSeconds === null ? 'n/a' : `${summary.p95QueueSeconds.toFixed(1)} s`,
      String(summary.scaleUps),
      String(summary.scaleDowns),
      String(summary.maxReplicas),
    ]),
  };
}

export function summaryTable(runs: readonly PolicyRun[]): string {
  const { headers, rows } = summaryCells(runs);
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((text, column) => (column === 0 ? text.padEnd(widths[column] as number) : text.padStart(widths[column] as number)))
      .join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}
