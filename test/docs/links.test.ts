import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { doc, docFiles, headingAnchors, relativeLinks } from '../support/docs.js';

describe('links between README.md and docs/', () => {
  const links = docFiles().flatMap((file) => relativeLinks(doc(file)).map((link) => ({ file, ...link })));

  it('finds links to check', () => {
    expect(links.filter((link) => link.path.startsWith('docs/')).length).toBeGreaterThan(5);
    expect(links.filter((link) => link.path === '' && link.anchor !== undefined).length).toBeGreaterThan(5);
  });

  it.each(links.map((link) => [link.file, link.target, link]))('%s: %s resolves', (_file, _target, link) => {
    const { file, path, anchor } = link as (typeof links)[number];
    const target = path === '' ? file : normalize(join(dirname(file), path));
    const exists = !target.startsWith('..') && existsSync(new URL(`../../${target}`, import.meta.url));
    expect({ target, exists }).toEqual({ target, exists: true });
    if (anchor !== undefined) {
      expect(target.endsWith('.md')).toBe(true);
      expect({ anchor, found: headingAnchors(doc(target)).has(anchor) }).toEqual({ anchor, found: true });
    }
  });
});

describe('headingAnchors', () => {
  it.each([
    ['## Trigger metadata', 'trigger-metadata'],
    ['## Auto-provision: annotate an InferenceSet', 'auto-provision-annotate-an-inferenceset'],
    ['## Ask it like KEDA: `query`', 'ask-it-like-keda-query'],
    ['## Callers (KEDA and anyone else reaching port 10450)', 'callers-keda-and-anyone-else-reaching-port-10450'],
    ['## KEDA: minimum 2.17, checked against 2.20.2', 'keda-minimum-217-checked-against-2202'],
    ['# keda_kaito scaler', 'keda_kaito-scaler'],
  ])('%s -> #%s', (heading, anchor) => {
    expect([...headingAnchors(`${heading}\n`)]).toEqual([anchor]);
  });

  it('numbers a repeated heading, and reads no heading in a code block', () => {
    expect([...headingAnchors('## Try\n\n```sh\n# Try\n```\n\n### Try\n')]).toEqual(['try', 'try-1']);
  });
});

describe('relativeLinks', () => {
  it.each([
    ['[a](docs/x.md)', [{ target: 'docs/x.md', path: 'docs/x.md', anchor: undefined }]],
    ['[a](#how-it-works)', [{ target: '#how-it-works', path: '', anchor: 'how-it-works' }]],
    ['[a](../README.md#verify "title")', [{ target: '../README.md#verify', path: '../README.md', anchor: 'verify' }]],
    ['[a](https://keda.sh) [b](mailto:x@y)', []],
    ['`[a](not/a/link.md)`', []],
    ['```md\n[a](not/a/link.md)\n```', []],
  ])('%j', (text, expected) => {
    expect(relativeLinks(text)).toEqual(expected);
  });
});
