import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTargets, startStaticDiscovery } from '../../../scaler/discovery/static.js';
import { captureLog, eventually, tempDir } from '../helpers.js';

const good = `
inferenceSets:
  - namespace: default
    name: phi-4
    allowedNamespaces: []
    workspaces: [127.0.0.1:9001, 127.0.0.1:9002]
  - namespace: team-b
    name: llama.v3
    allowedNamespaces: ["*"]
    workspaces:
      - localhost:80
      - "[::1]:65535"
  - namespace: empty
    name: none
    workspaces: []
`;

describe('parseTargets: a valid file', () => {
  it('gives one view per InferenceSet, a Workspace per host:port, allowedNamespaces defaulting to none', () => {
    const result = parseTargets(good);
    expect(result).toEqual({
      ok: true,
      value: [
        {
          namespace: 'default',
          name: 'phi-4',
          allowedNamespaces: [],
          workspaces: [
            { name: '127.0.0.1:9001', address: '127.0.0.1:9001' },
            { name: '127.0.0.1:9002', address: '127.0.0.1:9002' },
          ],
        },
        {
          namespace: 'team-b',
          name: 'llama.v3',
          allowedNamespaces: ['*'],
          workspaces: [
            { name: 'localhost:80', address: 'localhost:80' },
            { name: '[::1]:65535', address: '[::1]:65535' },
          ],
        },
        { namespace: 'empty', name: 'none', allowedNamespaces: [], workspaces: [] },
      ],
    });
  });

  it('accepts an empty list of InferenceSets', () => {
    expect(parseTargets('inferenceSets: []')).toEqual({ ok: true, value: [] });
  });
});

describe('parseTargets: bad files are refused with the path of the bad entry', () => {
  const entry = (fields: string) => `inferenceSets:\n  - ${fields}\n`;
  const cases: Array<[string, string, string, RegExp]> = [
    ['empty file', '', 'InvalidTargets', /^the targets file is null: the targets file must be a mapping with the key inferenceSets/],
    ['a list at the top', '- a\n- b', 'InvalidTargets', /^the targets file is \["a","b"\]/],
    ['no inferenceSets key', 'sets: []', 'InvalidTargets', /^targets entry inferenceSets is required: must be a list of InferenceSets/],
    ['inferenceSets not a list', 'inferenceSets: {}', 'InvalidTargets', /^targets entry inferenceSets is \{\}: must be a list/],
    ['entry not a mapping', 'inferenceSets: [phi-4]', 'InvalidTargets', /^targets entry inferenceSets\[0\] is "phi-4": must be a mapping/],
    [
      'missing name',
      entry('{namespace: default, workspaces: []}'),
      'InvalidTargets',
      /^targets entry inferenceSets\[0\]\.name is required: the InferenceSet's name/,
    ],
    [
      'missing workspaces',
      entry('{namespace: default, name: a}'),
      'InvalidTargets',
      /^targets entry inferenceSets\[0\]\.workspaces is required: one host:port per replica/,
    ],
    [
      'unknown key',
      entry('{namespace: default, name: a, workspaces: [], replicas: 2}'),
      'InvalidTargets',
      /^targets entry inferenceSets\[0\]\.replicas is not a known key/,
    ],
    [
      'uppercase namespace',
      entry('{namespace: Default, name: a, workspaces: []}'),
      'InvalidTargets',
      /^targets entry inferenceSets\[0\]\.namespace is "Default": the InferenceSet's namespace/,
    ],
    ['name with a slash', entry('{namespace: default, name: a/b, workspaces: []}'), 'InvalidTargets', /inferenceSets\[0\]\.name is "a\/b"/],
    ['number as name', entry('{namespace: default, name: 4, workspaces: []}'), 'InvalidTargets', /inferenceSets\[0\]\.name is 4/],
    [
      'workspace without port',
      entry('{namespace: default, name: a, workspaces: [127.0.0.1]}'),
      'InvalidTargets',
      /^targets entry inferenceSets\[0\]\.workspaces\[0\] is "127.0.0.1": a replica's metrics endpoint as host:port/,
    ],
    [
      'workspace port 0',
      entry('{namespace: default, name: a, workspaces: ["h:1", "h:0"]}'),
      'InvalidTargets',
      /inferenceSets\[0\]\.workspaces\[1\] is "h:0"/,
    ],
    [
      'workspace port too big',
      entry('{namespace: default, name: a, workspaces: ["h:65536"]}'),
      'InvalidTargets',
      /workspaces\[0\] is "h:65536"/,
    ],
    [
      'workspace as URL',
      entry('{namespace: default, name: a, workspaces: ["http://h:80"]}'),
      'InvalidTargets',
      /workspaces\[0\] is "http:\/\/h:80"/,
    ],
    [
      'workspace with a path',
      entry('{namespace: default, name: a, workspaces: ["h:80/metrics"]}'),
      'InvalidTargets',
      /workspaces\[0\] is "h:80\/metrics"/,
    ],
    [
      'workspaces not a list',
      entry('{namespace: default, name: a, workspaces: "h:80"}'),
      'InvalidTargets',
      /workspaces is "h:80": one host:port per replica/,
    ],
    [
      'bad allowed namespace',
      entry('{namespace: default, name: a, workspaces: [], allowedNamespaces: ["team b"]}'),
      'InvalidTargets',
      /allowedNamespaces\[0\] is "team b": a namespace name, or "\*"/,
    ],
    [
      'wildcard inside a name',
      entry('{namespace: default, name: a, workspaces: [], allowedNamespaces: ["team-*"]}'),
      'InvalidTargets',
      /allowedNamespaces\[0\] is "team-\*"/,
    ],
    [
      'second entry bad',
      'inferenceSets:\n  - {namespace: a, name: a, workspaces: []}\n  - {namespace: b, name: b, workspaces: [x]}\n',
      'InvalidTargets',
      /inferenceSets\[1\]\.workspaces\[0\] is "x"/,
    ],
    [
      'duplicate InferenceSet',
      'inferenceSets:\n  - {namespace: a, name: a, workspaces: []}\n  - {namespace: a, name: a, workspaces: []}\n',
      'DuplicateInferenceSet',
      /^targets entry inferenceSets\[1\] repeats InferenceSet a\/a of inferenceSets\[0\]/,
    ],
    [
      'duplicate workspace',
      entry('{namespace: a, name: a, workspaces: ["h:1", "h:2", "h:1"]}'),
      'DuplicateWorkspace',
      /^targets entry inferenceSets\[0\]\.workspaces\[2\] repeats h:1/,
    ],
    [
      'one replica as 127.0.0.1 and 127.0.0.01',
      entry('{namespace: a, name: a, workspaces: ["127.0.0.1:19001", "127.0.0.01:19001"]}'),
      'DuplicateWorkspace',
      /^targets entry inferenceSets\[0\]\.workspaces\[1\] repeats 127\.0\.0\.01:19001 \(the same replica as 127\.0\.0\.1:19001\): each replica is listed once/,
    ],
    [
      'one replica as 127.0.0.1 and localhost',
      entry('{namespace: a, name: a, workspaces: ["127.0.0.1:19001", "localhost:19001"]}'),
      'DuplicateWorkspace',
      /workspaces\[1\] repeats localhost:19001 \(the same replica as 127\.0\.0\.1:19001\)/,
    ],
    [
      'one replica as localhost and [::ffff:127.0.0.1]',
      entry('{namespace: a, name: a, workspaces: ["localhost:19001", "[::ffff:127.0.0.1]:19001"]}'),
      'DuplicateWorkspace',
      /workspaces\[1\] repeats \[::ffff:127\.0\.0\.1\]:19001 \(the same replica as localhost:19001\)/,
    ],
    [
      'one replica by a name in two cases',
      entry('{namespace: a, name: a, workspaces: ["Replica.example:80", "replica.example:80"]}'),
      'DuplicateWorkspace',
      /workspaces\[1\] repeats replica\.example:80 \(the same replica as Replica\.example:80\)/,
    ],
    [
      'broken YAML',
      'inferenceSets: [\n  - a',
      'InvalidTargetsYaml',
      /^the targets file is not valid YAML at line 2, column \d+: [^\n]*[^:\n]$/,
    ],
    [
      'an unclosed flow sequence, with the line that breaks it',
      'inferenceSets:\n  - namespace: a\n    name: b\n    workspaces: [x:1\n  - c\n',
      'InvalidTargetsYaml',
      /^the targets file is not valid YAML at line 5, column 3: Flow sequence in block collection must be sufficiently indented and end with a \] \(the line reads " {2}- c"\)$/,
    ],
    ['duplicate YAML key', 'inferenceSets: []\ninferenceSets: []', 'InvalidTargetsYaml', /Map keys must be unique/],
  ];
  it.each(cases)('%s', (_name, text, reason, message) => {
    const result = parseTargets(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe(reason);
      expect(result.problem.message).toMatch(message);
    }
  });

  it('an alias bomb is refused, not expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level++) {
      const previous = String.fromCharCode(96 + level);
      const next = String.fromCharCode(97 + level);
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    bomb.push('inferenceSets: []');
    const result = parseTargets(bomb.join('\n'));
    expect(result.ok).toBe(false);
  });
});

describe('startStaticDiscovery', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('targets');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('a missing file at start is an error naming it', async () => {
    const file = join(dir.path, 'absent.yaml');
    const result = await startStaticDiscovery({ file, log: captureLog().log, watch: false });
    expect(result).toEqual({ ok: false, problem: { reason: 'TargetsUnreadable', message: expect.stringContaining(`${file} (ENOENT)`) } });
  });

  it('a bad file at start is an error naming the file and the entry', async () => {
    const file = join(dir.path, 'targets.yaml');
    await writeFile(file, 'inferenceSets:\n  - {namespace: a, name: a, workspaces: [nope]}\n');
    const result = await startStaticDiscovery({ file, log: captureLog().log, watch: false });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toMatch(new RegExp(`^${file}: targets entry inferenceSets\\[0\\]\\.workspaces\\[0\\]`));
  });

  it('looks up InferenceSets by namespace and name; unknown ones are undefined', async () => {
    const file = join(dir.path, 'targets.yaml');
    await writeFile(file, good);
    const result = await startStaticDiscovery({ file, log: captureLog().log, watch: false });
    if (!result.ok) throw new Error(result.problem.message);
    const discovery = result.value;
    expect(discovery.ready()).toBe(true);
    expect(discovery.notReadyReason()).toBeUndefined();
    expect(discovery.lookup('default', 'phi-4')?.workspaces).toHaveLength(2);
    expect(discovery.lookup('team-b', 'phi-4')).toBeUndefined();
    expect(discovery.lookup('default', 'phi')).toBeUndefined();
    await discovery.stop();
  });

  it('follows edits of the file; a bad edit keeps the last good targets and is logged once', async () => {
    const file = join(dir.path, 'targets.yaml');
    await writeFile(file, good);
    const { log, lines } = captureLog();
    const result = await startStaticDiscovery({ file, log, watch: { debounceMs: 20, pollMs: 200 } });
    if (!result.ok) throw new Error(result.problem.message);
    const discovery = result.value;
    try {
      await writeFile(file, 'inferenceSets:\n  - {namespace: default, name: phi-4, workspaces: ["127.0.0.1:9003"]}\n');
      await eventually('the edit to be read', () => discovery.lookup('default', 'phi-4')?.workspaces.length === 1);
      expect(discovery.lookup('team-b', 'llama.v3')).toBeUndefined();

      await writeFile(file, 'inferenceSets: [ broken');
      await eventually('the bad edit to be logged', () =>
        lines.some((line) => line['msg'] === 'targets file rejected: keeping the last good targets'),
      );
      expect(discovery.lookup('default', 'phi-4')?.workspaces).toEqual([{ name: '127.0.0.1:9003', address: '127.0.0.1:9003' }]);
      const reloaded = await discovery.reload();
      expect(reloaded.ok).toBe(false);
      expect(lines.filter((line) => line['msg'] === 'targets file rejected: keeping the last good targets')).toHaveLength(1);

      // Replaced the way kubelet updates a mounted ConfigMap: a new file renamed over the old one.
      await writeFile(join(dir.path, 'next.yaml'), good);
      await rename(join(dir.path, 'next.yaml'), file);
      await eventually('the replacement to be read', () => discovery.lookup('team-b', 'llama.v3') !== undefined);
    } finally {
      await discovery.stop();
    }
  });
});
