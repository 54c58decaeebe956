import { authorize } from '../../scaler/authorize.js';

const target = (allowedNamespaces: string[]) => ({ namespace: 'team-a', name: 'phi-4', allowedNamespaces });

describe('authorize: the caller reads its own namespace, or one that admits it', () => {
  const cases: Array<[string, string, string[], boolean]> = [
    ['same namespace', 'team-a', [], true],
    ['same namespace, list names others', 'team-a', ['team-b'], true],
    ['other namespace, empty list', 'team-b', [], false],
    ['other namespace, named', 'team-b', ['team-b'], true],
    ['other namespace, named among others', 'team-b', ['team-c', 'team-b'], true],
    ['other namespace, not named', 'team-c', ['team-b'], false],
    ['other namespace, wildcard', 'team-z', ['*'], true],
    ['other namespace, wildcard among others', 'team-z', ['team-b', '*'], true],
    ['prefix is not a match', 'team', ['team-b'], false],
    ['case matters (namespaces are lowercase)', 'Team-B', ['team-b'], false],
    ['empty caller namespace, wildcard', '', ['*'], false],
    ['empty caller namespace, empty entry', '', [''], false],
  ];
  it.each(cases)('%s', (_name, caller, allowed, admitted) => {
    expect(authorize(caller, target(allowed)).ok).toBe(admitted);
  });

  it('a refusal names the caller, the InferenceSet and how to admit it', () => {
    const result = authorize('team-b', target([]));
    expect(result).toEqual({
      ok: false,
      problem: {
        reason: 'NamespaceNotAllowed',
        message: expect.stringContaining('namespace "team-b" may not read InferenceSet team-a/phi-4'),
      },
    });
    if (!result.ok) expect(result.problem.message).toContain('scaledobject.kaito.sh/allowed-namespaces');
  });

  it('quotes a caller namespace of any length cut, with its length', () => {
    const result = authorize('n'.repeat(65_536), target([]));
    expect(!result.ok && result.problem.message.length).toBeLessThan(400);
    expect(!result.ok && result.problem.message).toContain('... (65536 characters)');
  });
});
