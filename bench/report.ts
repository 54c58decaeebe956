/**
 * How every benchmark reports: a table of what it measured, then one summary line
 * `BENCH <name> ratio=<x> target=<y>` comparing against a baseline measured in the same run.
 */
export interface Row {
  readonly [column: string]: string | number;
}

export function table(title: string, rows: readonly Row[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined) => (typeof value === 'number' ? formatNumber(value) : (value ?? ''));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (cells: string[]) => cells.map((text, index) => text.padStart(widths[index] ?? 0)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((column) => cell(row[column]))));
}

export function summary(name: string, ratio: number, target: number, atLeast = true): boolean {
  const met = atLeast ? ratio >= target : ratio <= target;
  console.log(`BENCH ${name} ratio=${formatNumber(ratio)} target=${atLeast ? '>=' : '<='}${formatNumber(target)} ${met ? 'met' : 'MISSED'}`);
  return met;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
