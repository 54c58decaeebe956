import { summaryCells } from './outputs.js';
import type { PolicyRun } from './run.js';

/** One self-contained HTML page: inline SVG plots and the summary table, nothing fetched. */

export interface ReportInput {
  readonly title: string;
  /** One line per setting of the run (load, startup, capacity, ...). */
  readonly settings: readonly string[];
  readonly overTarget: string;
  readonly runs: readonly PolicyRun[];
  /** SVG documents, in page order. */
  readonly plots: readonly string[];
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] as string);

/** An SVG document as an inline element (its XML declaration, if any, dropped). */
const inline = (svg: string): string => svg.replace(/^<\?xml[^>]*>\s*/, '');

export function reportHtml(input: ReportInput): string {
  const { headers, rows } = summaryCells(input.runs);
  const table = [
    '<table>',
    `<thead><tr>${headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${row.map((text) => `<td>${escapeHtml(text)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
  body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #111827; margin: 24px auto; max-width: 1120px; padding: 0 16px; }
  h1 { font-size: 20px; }
  ul.settings { color: #374151; font-size: 13px; }
  table { border-collapse: collapse; margin: 16px 0; font-size: 14px; }
  th, td { border-bottom: 1px solid #e5e7eb; padding: 6px 12px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  figure { margin: 16px 0; }
  figure svg { max-width: 100%; height: auto; }
  p.note { color: #4b5563; font-size: 13px; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<ul class="settings">
${input.settings.map((setting) => `<li>${escapeHtml(setting)}</li>`).join('\n')}
</ul>
${table}
<p class="note">GPU-hours count replicas from the moment the HPA adds them (their nodes are paid for while they start).
Over target: ${escapeHtml(input.overTarget)}.</p>
${input.plots.map((svg) => `<figure>${inline(svg)}</figure>`).join('\n')}
</body>
</html>
`;
}
