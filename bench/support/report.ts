/**
 * How every benchmark reports: tables of what it measured, the checks of its targets, then
 * one summary line `BENCH <name> ratio=<x> target=<y> met|MISSED` comparing against a
 * baseline measured in the same run. The line says `met` only when every check of the
 * benchmark is met too.
 */
export interface Row {
  readonly [column: string]: string | number;
}

/** A measured value against its target: `value >= target` (atLeast) or `value <= target`. */
export interface Check {
  readonly what: string;
  readonly value: number;
  readonly target: number;
  readonly atLeast: boolean;
}

export const atLeast = (what: string, value: number, target: number): Check => ({ what, value, target, atLeast: true });
export const atMost = (what: string, value: number, target: number): Check => ({ what, value, target, atLeast: false });

/** NaN (nothing measured) never meets a target. */
export function isMet(check: Check): boolean {
  return check.atLeast ? check.value >= check.target : check.value <= check.target;
}

/**
 * The lines of a summary: one per further check, then the BENCH line for the headline
 * ratio, `met` only when the headline and every check are.
 */
export function summaryLines(
  name: string,
  headline: Check,
  checks: readonly Check[] = [],
): { readonly lines: string[]; readonly met: boolean } {
  const describe = (check: Check) => `${check.atLeast ? '>=' : '<='}${formatNumber(check.target)}`;
  const lines = checks.map(
    (check) => `check ${check.what} = ${formatNumber(check.value)} (target ${describe(check)}): ${isMet(check) ? 'met' : 'MISSED'}`,
  );
  const met = isMet(headline) && checks.every(isMet);
  lines.push(`BENCH ${name} ratio=${formatNumber(headline.value)} target=${describe(headline)} ${met ? 'met' : 'MISSED'}`);
  return { lines, met };
}

/** A measured value printed beside the checks without a target: absolute times vary too much between shared machines. */
export interface Figure {
  readonly what: string;
  readonly value: number;
}

/** The headline with its value, then the figures (reported, no target), then the summary lines. */
export function summaryText(
  name: string,
  headline: Check,
  checks: readonly Check[] = [],
  figures: readonly Figure[] = [],
): { readonly text: string[]; readonly met: boolean } {
  const { lines, met } = summaryLines(name, headline, checks);
  const reported = figures.map((figure) => `figure ${figure.what} = ${formatNumber(figure.value)} (reported, no target)`);
  return { text: [`${headline.what} = ${formatNumber(headline.value)}`, ...reported, ...lines], met };
}

export function summary(name: string, headline: Check, checks: readonly Check[] = [], figures: readonly Figure[] = []): boolean {
  const { text, met } = summaryText(name, headline, checks, figures);
  console.log(`\n${text.join('\n')}`);
  return met;
}

export function tableLines(title: string, rows: readonly Row[]): string[] {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined) => (typeof value === 'number' ? formatNumber(value) : (value ?? ''));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (cells: string[]) => cells.map((text, index) => text.padStart(widths[index] ?? 0)).join('  ');
  return [title, line(columns), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))];
}

export function table(title: string, rows: readonly Row[]): void {
  console.log(`\n${tableLines(title, rows).join('\n')}`);
}

/** Whole numbers as they are; others to three significant figures or so (two below 0.1). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 0.1 || value === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Nearest-rank percentile of an ascending list; NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

/** The median of any list (the mean of the middle two for an even count); NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** "median (min-max)" of repeated measurements, or the one value. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 1) return formatNumber(sorted[0] as number);
  return `${formatNumber(median(sorted))} (${formatNumber(sorted[0] as number)}-${formatNumber(sorted[sorted.length - 1] as number)})`;
}

/** Bytes as MiB (1024 × 1024). */
export const mib = (bytes: number): number => bytes / (1024 * 1024);
