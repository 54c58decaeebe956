import { readFileSync } from 'node:fs';

/** The README, whose examples and tables the tests hold to the code. */
export const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The `## heading` section of the README, up to the next `## ` heading. */
export function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The rows (cells trimmed) of the first table after `marker` in `text`, without its header and `|---|` line. */
export function tableAfter(text: string, marker: string): string[][] {
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`README has no ${marker}`);
  const lines = text.slice(start + marker.length).split('\n');
  const header = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** The text of the first code block after `marker` in `text`. */
export function blockAfter(text: string, marker: string): string {
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`README has no ${marker}`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(start));
  if (!match?.[1]) throw new Error(`README has no code block after ${marker}`);
  return match[1];
}
