import { readdirSync, readFileSync } from 'node:fs';

/**
 * The README and the pages of docs/, whose examples and tables the tests hold to the code. Every test
 * that reads them does so here, so that moving a section from one file to another is a one-line change.
 */

/** Every documentation file: README.md and the pages of docs/, as paths from the repository root. */
export function docFiles(): string[] {
  const pages = readdirSync(new URL('../../docs/', import.meta.url)).filter((name) => name.endsWith('.md'));
  return ['README.md', ...pages.sort().map((name) => `docs/${name}`)];
}

/** The text of a documentation file, by its path from the repository root (`README.md`, `docs/scaler.md`). */
export function doc(file: string): string {
  return readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
}

/**
 * The section of `file` under the heading `heading` (any level, `#` to `######`), from its heading up to the
 * next heading of the same or a higher level: a page's `# title` gives the whole page.
 */
export function docSection(file: string, heading: string): string {
  const text = doc(file);
  const masked = withoutCodeBlocks(text);
  const found = new RegExp(`^(#{1,6}) ${escapeRegExp(heading)}\\n`, 'm').exec(masked);
  if (!found) throw new Error(`${file} has no heading "${heading}"`);
  const level = found[1]!.length;
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(masked.slice(found.index + found[0].length));
  return text.slice(found.index, next ? found.index + found[0].length + next.index : undefined);
}

/** The rows (cells trimmed) of the first table after `marker` in `text`, without its header and `|---|` line. */
export function tableAfter(text: string, marker: string): string[][] {
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`the text has no ${marker}`);
  const lines = text.slice(start + marker.length).split('\n');
  const header = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The text of the first code block after `marker` in `text`. */
export function blockAfter(text: string, marker: string): string {
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`the text has no ${marker}`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(start));
  if (!match?.[1]) throw new Error(`the text has no code block after ${marker}`);
  return match[1];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with the lines of its fenced code blocks blanked (same length), so that a `# comment` in one is no heading. */
export function withoutCodeBlocks(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** A link of a Markdown text: where it points, split into a path (empty: the same file) and an anchor. */
export interface DocLink {
  readonly target: string;
  readonly path: string;
  readonly anchor: string | undefined;
}

/** The links of `text` that stay in the repository (no scheme), outside code blocks and inline code. */
export function relativeLinks(text: string): DocLink[] {
  const prose = withoutCodeBlocks(text).replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const hash = target.indexOf('#');
      if (hash === -1) return { target, path: target, anchor: undefined };
      return { target, path: target.slice(0, hash), anchor: target.slice(hash + 1) };
    });
}

/**
 * The anchors GitHub gives the headings of `text`: lower case, inline code marks and punctuation dropped,
 * spaces as "-", and "-1", "-2", ... after a repeated one.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCodeBlocks(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = match[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}
