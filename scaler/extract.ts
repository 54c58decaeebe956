import parsePrometheusText from 'parse-prometheus-text-format';
import { fail, ok, type Result } from '../lib/result.js';
import { clip } from '../lib/text.js';

/**
 * Reads one metric family out of a Prometheus exposition page (the classic text format,
 * or OpenMetrics), without parsing the rest of the page: a replica's page is ~50 KB of
 * families nobody asked for, and a malformed line among them must not cost us the one
 * we want.
 */

/** OpenMetrics' `unknown` is read as `untyped`. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'untyped' | 'info' | 'stateset';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** As exposed: may be NaN or ±Infinity (what that means is the reader's call). */
  readonly value: number;
}

export interface Family {
  /**
   * The family the samples belong to: the wanted name, or the family the wanted name is a
   * part of (`x` for `x_sum` when `x` is a histogram, `x` for `x_total` when an
   * OpenMetrics page declares the counter `x`).
   */
  readonly name: string;
  readonly type: MetricType;
  /** Whether a `# TYPE` line declared it (else it is untyped). */
  readonly declared: boolean;
  /** The value-bearing samples (never `_created`, which is a timestamp); may be empty when declared. */
  readonly samples: readonly Sample[];
}

/** Sample name suffixes each type may add to its family name. */
const PARTS: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  untyped: [''],
  stateset: [''],
  info: ['_info'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
};
const SUFFIXES = ['_total', '_created', '_bucket', '_sum', '_count', '_gsum', '_gcount', '_info'] as const;
const NOT_A_VALUE = '_created';

const TYPES: Readonly<Record<string, MetricType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  untyped: 'untyped',
  unknown: 'untyped',
  info: 'info',
  stateset: 'stateset',
};

/**
 * The sample names to ask a server for (`?name[]=`): servers such as Python's
 * prometheus_client filter by sample name, so the bare name alone would hide a histogram
 * or summary (whose samples are `_sum`/`_count`) and an OpenMetrics counter (`_total`).
 * Buckets are asked for only when `withBuckets` (a percentile reads them): they are most
 * of a histogram's bytes.
 */
export function filterNames(family: string, withBuckets = false): string[] {
  return [family, `${family}_sum`, `${family}_count`, `${family}_total`, ...(withBuckets ? [`${family}_bucket`] : [])];
}

interface Candidate {
  readonly sampleName: string;
  readonly text: string;
  /** Where the line starts in the page (its number is counted only for an error message). */
  readonly offset: number;
}

/**
 * Problems: `FamilyAbsent` (no such family on the page) and `ParseError` (a line of the
 * family, or its `# TYPE` line, is malformed). Lines of other families are never read
 * beyond their first characters.
 */
export function extractFamily(page: string, name: string): Result<Family> {
  const sampleNames = new Set<string>([name, ...SUFFIXES.map((suffix) => name + suffix)]);
  // Whose `# TYPE` matters: the family, its parts, and the families it could be a part of.
  const typeNames = new Set<string>(sampleNames);
  for (const suffix of SUFFIXES) if (name.endsWith(suffix) && name.length > suffix.length) typeNames.add(name.slice(0, -suffix.length));
  // Every name above starts with the shortest of them, so a line that does not contain it
  // can be neither a sample of the family nor a `# TYPE` line that matters: only the lines
  // around its occurrences are read, found by indexOf, which is much faster than walking
  // the page line by line.
  let shortest = name;
  for (const typeName of typeNames) if (typeName.length < shortest.length) shortest = typeName;
  const end = eofLineStart(page);
  const lineAt = (offset: number) => lineNumber(page, offset);

  const types = new Map<string, MetricType>();
  const candidates: Candidate[] = [];
  for (let position = 0; position < end; ) {
    const found = page.indexOf(shortest, position);
    if (found === -1 || found >= end) break;
    const lineStart = page.lastIndexOf('\n', found) + 1;
    let lineEnd = page.indexOf('\n', found);
    if (lineEnd === -1) lineEnd = page.length;
    let stop = lineEnd;
    if (stop > lineStart && page.charCodeAt(stop - 1) === 13) stop -= 1; // CRLF
    let start = lineStart;
    while (start < stop && isBlank(page.charCodeAt(start))) start += 1;
    position = lineEnd + 1;
    if (start === stop) continue;

    if (page.charCodeAt(start) === 35 /* # */) {
      // Only `# TYPE` matters (`# EOF` bounds the scan above); HELP lines are skipped unread.
      let keyword = start + 1;
      while (keyword < stop && isBlank(page.charCodeAt(keyword))) keyword += 1;
      const isType = page.startsWith('TYPE', keyword) && isBlank(page.charCodeAt(keyword + 4));
      if (!isType) continue;
      const words = page
        .slice(keyword + 5, stop)
        .trim()
        .split(/[ \t]+/);
      const declared = words[0] as string;
      if (!typeNames.has(declared)) continue;
      const type = words.length === 2 ? TYPES[words[1] as string] : undefined;
      if (declared === name) {
        const line = lineAt(lineStart);
        if (type === undefined)
          return parseError(
            line,
            page.slice(start, stop),
            'a # TYPE line needs one of the types counter, gauge, histogram, summary, untyped',
          );
        if (types.has(name)) return parseError(line, page.slice(start, stop), 'the family is declared twice');
      }
      // A malformed or repeated declaration of another family is that family's problem.
      if (type !== undefined && !types.has(declared)) types.set(declared, type);
      continue;
    }
    if (!page.startsWith(name, start)) continue;
    let nameEnd = start + name.length;
    while (nameEnd < stop && !isNameEnd(page.charCodeAt(nameEnd))) nameEnd += 1;
    const sampleName = page.slice(start, nameEnd);
    if (sampleNames.has(sampleName)) candidates.push({ sampleName, text: page.slice(start, stop), offset: lineStart });
  }

  const owner = (sampleName: string): string => {
    if (types.has(sampleName)) return sampleName;
    for (const suffix of SUFFIXES) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = sampleName.slice(0, -suffix.length);
      const type = types.get(base);
      if (type !== undefined && PARTS[type].includes(suffix)) return base;
    }
    return sampleName;
  };

  const own = candidates.filter((candidate) => owner(candidate.sampleName) === name && !isCreated(candidate.sampleName, name));
  if (own.length > 0 || types.has(name)) {
    const samples = parseSamples(own, lineAt);
    if (!samples.ok) return samples;
    const type = types.get(name);
    return ok({ name, type: type ?? 'untyped', declared: type !== undefined, samples: samples.value });
  }
  const named = candidates.filter((candidate) => candidate.sampleName === name);
  const first = named[0];
  if (first !== undefined) {
    const family = owner(first.sampleName);
    const samples = parseSamples(named, lineAt);
    if (!samples.ok) return samples;
    return ok({ name: family, type: types.get(family) ?? 'untyped', declared: true, samples: samples.value });
  }
  const total = `${name}_total`;
  const hint = types.has(total) || candidates.some((candidate) => candidate.sampleName === total) ? `; did you mean "${total}"?` : '';
  return fail('FamilyAbsent', `the page has no metric family "${name}"${hint}`);
}

function isCreated(sampleName: string, family: string): boolean {
  return sampleName === family + NOT_A_VALUE;
}

/**
 * Where the page's first `# EOF` line starts (nothing after it is read), or its length.
 * Each line is looked at once, at its first "EOF", however many it holds.
 */
function eofLineStart(page: string): number {
  for (let found = page.indexOf('EOF'); found !== -1; ) {
    const lineStart = page.lastIndexOf('\n', found) + 1;
    let lineEnd = page.indexOf('\n', found);
    if (lineEnd === -1) lineEnd = page.length;
    let position = lineStart;
    while (position < lineEnd && isBlank(page.charCodeAt(position))) position += 1;
    if (page.charCodeAt(position) === 35 /* # */) {
      position += 1;
      while (position < lineEnd && isBlank(page.charCodeAt(position))) position += 1;
      if (position === found && page.slice(found + 3, lineEnd).trim() === '') return lineStart;
    }
    found = page.indexOf('EOF', lineEnd);
  }
  return page.length;
}

/** The 1-based number of the line that starts at `offset`. */
function lineNumber(page: string, offset: number): number {
  let line = 1;
  for (let found = page.indexOf('\n'); found !== -1 && found < offset; found = page.indexOf('\n', found + 1)) line += 1;
  return line;
}

function parseSamples(candidates: readonly Candidate[], lineAt: (offset: number) => number): Result<Sample[]> {
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const sample = parseSample(candidate, lineAt);
    if (!sample.ok) return sample;
    const key = `${sample.value.name}${JSON.stringify(Object.entries(sample.value.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
    if (seen.has(key)) return parseError(lineAt(candidate.offset), candidate.text, 'the same series appears twice');
    seen.add(key);
    samples.push(sample.value);
  }
  return ok(samples);
}

/**
 * `name{labels} value [timestamp] [# exemplar]`. The label set is skipped quote-aware
 * (a label value may hold `}`, `#`, `\"`), an OpenMetrics exemplar is cut off, the value
 * and timestamp are checked here (the library takes any text for them), and the library
 * reads the labels.
 */
function parseSample(candidate: Candidate, lineAt: (offset: number) => number): Result<Sample> {
  const { text, sampleName } = candidate;
  const line = () => lineAt(candidate.offset);
  let position = sampleName.length;
  let open = position;
  while (isBlank(text.charCodeAt(open))) open += 1;
  if (text.charCodeAt(open) === 123 /* { */) {
    const close = labelSetEnd(text, open + 1);
    if (close === -1) return parseError(line(), text, 'the label set is not closed');
    if (!LABEL_SET.test(text.slice(open, close + 1)))
      return parseError(line(), text, 'the label set is malformed (want name="value", ...)');
    position = close + 1;
  }
  const words = text
    .slice(position)
    .trim()
    .split(/[ \t]+/);
  const exemplar = words.findIndex((word) => word.startsWith('#'));
  const fields = exemplar === -1 ? words : words.slice(0, exemplar);
  const [valueText, timestamp] = fields;
  if (valueText === undefined || valueText === '') return parseError(line(), text, 'the sample has no value');
  if (fields.length > 2) return parseError(line(), text, 'unexpected text after the value and timestamp');
  const value = toNumber(valueText);
  if (value === undefined) return parseError(line(), text, `"${valueText}" is not a number`);
  if (timestamp !== undefined && !TIMESTAMP.test(timestamp)) return parseError(line(), text, `"${timestamp}" is not a timestamp`);

  let parsed: ReturnType<typeof parsePrometheusText>;
  try {
    // The library emits a family only when the line after it starts: hence the "\n".
    parsed = parsePrometheusText(`${text.slice(0, position)} ${fields.join(' ')}\n`);
  } catch (error) {
    return parseError(line(), text, `the label set is malformed (${(error as Error).message})`);
  }
  const family = parsed[0];
  const sample = family?.metrics[0];
  if (parsed.length !== 1 || family?.name !== sampleName || sample?.value !== valueText) {
    return parseError(line(), text, 'the line is not one sample');
  }
  return ok({ name: sampleName, labels: sample.labels ?? {}, value });
}

/** Index of the `}` closing a label set that opens before `from`, or -1. */
function labelSetEnd(text: string, from: number): number {
  let quoted = false;
  for (let index = from; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (quoted) {
      if (code === 92 /* \ */) index += 1;
      else if (code === 34 /* " */) quoted = false;
    } else if (code === 34) quoted = true;
    else if (code === 125 /* } */) return index;
  }
  return -1;
}

// Each run of blanks, digits or label text can be matched in one way only: these
// expressions never backtrack over a line in more than one way, so a hostile line of
// megabytes costs linear time instead of hours of a blocked event loop.
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*[ \\t]*=[ \\t]*"(?:[^"\\\\]|\\\\.)*"';
const LABEL_SET = new RegExp(`^\\{[ \\t]*(?:${LABEL}[ \\t]*(?:,[ \\t]*${LABEL}[ \\t]*)*(?:,[ \\t]*)?)?\\}$`);
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Go's ParseFloat spellings, which the exposition formats use (`+Inf`, `NaN`, ...). */
function toNumber(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const lower = text.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'nan') return Number.NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

const isBlank = (code: number): boolean => code === 32 || code === 9;
const isNameEnd = (code: number): boolean => code === 123 || code === 32 || code === 9;

function parseError(line: number, text: string, why: string): Result<never> {
  return fail('ParseError', `line ${line} (${JSON.stringify(clip(text, 120))}): ${why}`);
}
