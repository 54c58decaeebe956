/**
 * What Python's prometheus_client answers to `GET /metrics?name[]=a&name[]=b` for a page it
 * rendered: only the samples whose name is asked for, under their family's `# HELP` and
 * `# TYPE` lines; a family left without samples is left out whole. Benchmarks use it to
 * serve the fixture pages the way a vLLM replica filters them.
 */
export function filterExposition(page: string, sampleNames: ReadonlySet<string>): string {
  const out: string[] = [];
  let header: string[] = [];
  let kept: string[] = [];
  const flush = () => {
    if (kept.length > 0) out.push(...header, ...kept);
    header = [];
    kept = [];
  };
  for (const line of page.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      flush();
      header.push(line);
    } else if (line.startsWith('#')) {
      header.push(line);
    } else if (sampleNames.has(sampleName(line))) {
      kept.push(line);
    }
  }
  flush();
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The metric name a sample line starts with (up to `{`, a space or a tab). */
export function sampleName(line: string): string {
  const end = line.search(/[{ \t]/);
  return end === -1 ? line : line.slice(0, end);
}

/** The names of a `?name[]=...` query, as prometheus_client reads them. */
export function requestedNames(url: string): Set<string> {
  return new Set(new URL(url, 'http://replica').searchParams.getAll('name[]'));
}
