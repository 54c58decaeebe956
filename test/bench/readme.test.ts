import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { atLeast, summaryLines } from '../../bench/support/report.js';
import { docSection } from '../support/docs.js';

const root = new URL('../../', import.meta.url);
const section = docSection('docs/performance.md', 'Performance');
const benchmarks = readdirSync(fileURLToPath(new URL('bench/', root)))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3))
  .sort();
const summaryRows = [
  ...(section.split('<!-- bench summary -->')[1] ?? '').matchAll(/^\| `([a-z-]+)` \|[^|]+\| (\S+) (\S+) \| ([^|]+) \|$/gm),
];

describe('docs/performance.md', () => {
  it('lists every benchmark in bench/, and only those', () => {
    expect(summaryRows.map((row) => row[1]).sort()).toEqual(benchmarks);
  });

  it.each(summaryRows.map((row) => [row[1], row[2], row[3], row[4]]))(
    '%s: a target and a measured ratio',
    (_name, comparison, target, ratio) => {
      expect(comparison).toMatch(/^(>=|<=)$/);
      expect(Number(target)).toBeGreaterThan(0);
      expect(ratio?.trim()).toMatch(/^\d+(\.\d+)?(–\d+(\.\d+)?)?$/);
    },
  );

  it('shows a summary line as the benchmarks print it', () => {
    const shown = /```text\n(BENCH .*)\n```/.exec(section)?.[1];
    const match = /^BENCH (\S+) ratio=(\S+) target=>=(\S+) met$/.exec(shown ?? '');
    expect(match).not.toBeNull();
    const [, name, ratio, target] = match as RegExpExecArray;
    expect(summaryLines(name as string, atLeast('ratio', Number(ratio), Number(target))).lines).toEqual([shown]);
  });
});
