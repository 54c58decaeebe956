import { abbreviate, clip, untrusted } from '../../lib/text.js';

describe('abbreviate', () => {
  it.each<[string, string, number, string]>([
    ['short text is kept', 'HTTP 500', 20, 'HTTP 500'],
    ['text of exactly the limit is kept', 'x'.repeat(20), 20, 'x'.repeat(20)],
    ['the middle goes, start and end stay', `series a{b="${'p'.repeat(100)}"} is NaN`, 40, 'series a{b="ppppppppppppppp ... } is NaN'],
    ['an empty text', '', 5, ''],
  ])('%s', (_name, text, max, expected) => {
    expect(abbreviate(text, max)).toBe(expected);
  });

  it('never exceeds the limit', () => {
    for (const max of [10, 11, 40, 240])
      for (const length of [max + 1, max * 3, 100_000]) expect(abbreviate('y'.repeat(length), max).length).toBeLessThanOrEqual(max);
  });
});

describe('clip', () => {
  it.each<[string, string, number, string]>([
    ['short text is kept', 'HTTP 500', 20, 'HTTP 500'],
    ['text of exactly the limit is kept', 'x'.repeat(20), 20, 'x'.repeat(20)],
    ['a longer text keeps its start and ends in "..."', 'abcdefghijklmnopqrstuvwxyz', 10, 'abcdefg...'],
    ['an empty text', '', 5, ''],
  ])('%s', (_name, text, max, expected) => {
    expect(clip(text, max)).toBe(expected);
  });
});

describe('untrusted', () => {
  it.each<[string, unknown, string | number | boolean | null | undefined]>([
    ['a short string is kept', 'phi-4', 'phi-4'],
    ['a long string is cut, its length said', 'n'.repeat(10_000_000), `${'n'.repeat(17)}... (10000000 characters)`],
    ['a number', 42, 42],
    ['null', null, null],
    ['absent', undefined, undefined],
    ['an array is named, not walked', [[[1]], 2], '(an array of 2 items)'],
    ['an object is named, not walked', { a: 1 }, '(an object)'],
  ])('%s', (_name, value, expected) => {
    expect(untrusted(value, 20)).toEqual(expected);
  });
});
