import { extractFamily, type Family } from '../../scaler/extract.js';

/**
 * extractFamily reads only the lines around the occurrences of the family's name: these
 * cases pin what that must not change (the line numbers in messages, where a page ends,
 * names that occur inside other lines).
 */
const page = (...lines: string[]): string => `${lines.join('\n')}\n`;
const others = (count: number): string[] => Array.from({ length: count }, (_, index) => `other_${index}{engine="0"} ${index}`);
const values = (result: ReturnType<typeof extractFamily>): number[] | string =>
  result.ok ? result.value.samples.map((sample) => sample.value) : result.problem.reason;

describe('extractFamily: line numbers far into a page', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a bad value after 300 other lines', page(...others(300), 'm abc'), /^line 301 /],
    ['a bad # TYPE line after 50 other lines', page(...others(50), '# TYPE m bogus', 'm 1'), /^line 51 /],
    [
      'a repeated series, reported where it repeats',
      page('m{a="1"} 1', ...others(20), 'm{a="1"} 2'),
      /^line 22 .*same series appears twice/,
    ],
    ['CRLF line ends', `${[...others(9), 'm{a="1" 5'].join('\r\n')}\r\n`, /^line 10 .*not closed/],
    ['a page without a final newline', [...others(4), 'm 1 2 3'].join('\n'), /^line 5 .*unexpected text/],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(extractFamily(text, 'm')).toEqual({ ok: false, problem: { reason: 'ParseError', message: expect.stringMatching(message) } });
  });
});

describe('extractFamily: where a page ends', () => {
  const cases: Array<[string, string, number[] | string]> = [
    ['# EOF with blanks around it and CRLF', page('m 1', '  #  EOF  \r', 'm{late="1"} 2'), [1]],
    ['#EOF without a blank', page('m 1', '#EOF', 'm{late="1"} 2'), [1]],
    ['# EOF before the family', page(...others(3), '\t# EOF', 'm 1'), 'FamilyAbsent'],
    ['EOF inside a HELP text', page('# HELP other read until EOF', 'other 0', 'm 1'), [1]],
    ['# EOF followed by more words', page('# EOF of something', 'm 1'), [1]],
    ['a sample named EOF', page('EOF 3', 'm 1'), [1]],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(values(extractFamily(text, 'm'))).toEqual(expected);
  });
});

describe('extractFamily: the name inside other lines', () => {
  const W = 'vllm:num_requests_waiting';
  const cases: Array<[string, string, string, number[] | string]> = [
    ['in a label value of another family', page(`other{ref="${W} 5"} 1`, `${W} 2`), W, [2]],
    ['in its own label value', page(`${W}{ref="${W}"} 2`), W, [2]],
    [
      'in HELP texts before the family',
      page(`# HELP other like ${W}`, 'other 1', `# HELP ${W} waiting`, `# TYPE ${W} gauge`, `${W} 3`),
      W,
      [3],
    ],
    [
      'as the prefix of a longer family only',
      page(`# TYPE ${W}_by_reason gauge`, `${W}_by_reason{reason="capacity"} 4`),
      W,
      'FamilyAbsent',
    ],
    ['indented', page(`  # TYPE ${W} gauge`, `\t${W} 6`), W, [6]],
    ['a counter declared by its base name', page('# TYPE c counter', 'other 1', 'c_total 7', 'c_created 1.7e9', '# EOF'), 'c_total', [7]],
  ];
  it.each(cases)('%s', (_name, text, name, expected) => {
    expect(values(extractFamily(text, name))).toEqual(expected);
  });

  it('keeps the type declared far from the samples', () => {
    const result = extractFamily(page('# TYPE m gauge', ...others(100), 'm 8'), 'm');
    expect(result.ok && (result.value as Family).type).toBe('gauge');
  });
});

describe('extractFamily: pages built to make a scan slow', () => {
  // Each line is read once: a scan that went back to the start of the line for every
  // occurrence would take hours on these 4 MB pages, and the test would time out.
  const MB = 1024 * 1024;
  const cases: Array<[string, string, number[] | string]> = [
    ['a line of "EOF" over and over', page('m 1', `# ${'EOF'.repeat((4 * MB) / 3)}`, 'm{late="1"} 2'), [1, 2]],
    ['the name over and over in one line', page(`# HELP other ${'m '.repeat(2 * MB)}`, 'm 3'), [3]],
    ['a comment line of "# EOF" repeated', page(`#${' EOF'.repeat(MB)}`, 'm 4'), [4]],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(values(extractFamily(text, 'm'))).toEqual(expected);
  });
});
