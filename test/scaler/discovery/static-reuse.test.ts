import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { reusingLastAnswer, startStaticDiscovery } from '../../../scaler/discovery/static.js';
import { createLogger } from '../../../lib/log.js';

describe('reusingLastAnswer', () => {
  it.each<[string, string[], number]>([
    ['the same text thrice: parsed once', ['a', 'a', 'a'], 1],
    ['a new text: parsed again', ['a', 'b'], 2],
    ['back to an earlier text: parsed again (only the last is kept)', ['a', 'b', 'a'], 3],
    ['the same text after a change: parsed once more', ['a', 'b', 'b', 'b'], 2],
  ])('%s', (_name, texts, parses) => {
    const parse = jest.fn((text: string) => ({ text }));
    const cached = reusingLastAnswer(parse);
    const answers = texts.map(cached);
    expect(parse).toHaveBeenCalledTimes(parses);
    for (const [index, text] of texts.entries()) expect(answers[index]).toEqual({ text });
  });

  it('gives back the very answer it gave', () => {
    const cached = reusingLastAnswer((text: string) => ({ text }));
    expect(cached('a')).toBe(cached('a'));
  });
});

describe('static discovery: re-reading an unchanged file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kks-static-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = () => join(dir, 'targets.yaml');
  const entry = (name: string, port: number) => `  - namespace: default\n    name: ${name}\n    workspaces: ["127.0.0.1:${port}"]\n`;

  it('keeps serving the same targets, and still follows a real edit', async () => {
    writeFileSync(file(), `inferenceSets:\n${entry('a', 9001)}`);
    const started = await startStaticDiscovery({ file: file(), log: createLogger({ level: 'silent', format: 'json' }), watch: false });
    if (!started.ok) throw new Error(started.problem.message);
    const discovery = started.value;
    const before = discovery.lookup('default', 'a');
    expect(await discovery.reload()).toEqual({ ok: true, value: 1 });
    expect(discovery.lookup('default', 'a')).toBe(before);

    writeFileSync(file(), `inferenceSets:\n${entry('a', 9002)}${entry('b', 9003)}`);
    expect(await discovery.reload()).toEqual({ ok: true, value: 2 });
    expect(discovery.lookup('default', 'a')?.workspaces).toEqual([{ name: '127.0.0.1:9002', address: '127.0.0.1:9002' }]);

    writeFileSync(file(), 'inferenceSets: [oops');
    expect((await discovery.reload()).ok).toBe(false);
    expect((await discovery.reload()).ok).toBe(false);
    expect(discovery.lookup('default', 'b')).toBeDefined();
    await discovery.stop();
  });
});
