import { recentKeys } from '../../lib/recent-keys.js';

describe('recentKeys', () => {
  it.each<[string, string[], string[], string[]]>([
    ['under the bound: nothing falls out', ['a', 'b'], [], ['a', 'b']],
    ['over it: the oldest falls out', ['a', 'b', 'c', 'd'], ['a'], ['b', 'c', 'd']],
    ['touching again makes a key the newest', ['a', 'b', 'c', 'a', 'd'], ['b'], ['c', 'a', 'd']],
  ])('%s', (_name, touched, lastEvicted, kept) => {
    const keys = recentKeys(3);
    let evicted: string[] = [];
    for (const key of touched) evicted = keys.touch(key);
    expect([evicted, keys.keys()]).toEqual([lastEvicted, kept]);
  });

  it('forgets a deleted key', () => {
    const keys = recentKeys(2);
    keys.touch('a');
    keys.delete('a');
    expect(keys.touch('b')).toEqual([]);
    expect(keys.keys()).toEqual(['b']);
  });
});
