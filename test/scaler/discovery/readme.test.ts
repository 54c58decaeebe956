import { jest } from '@jest/globals';
import { parse } from 'yaml';
import { parseAllowedNamespaces } from '../../../scaler/discovery/cache.js';
import { SCALEDOBJECT_CRD, INFERENCESET_CRD, WORKSPACE_CRD } from '../../../bench/support/fake-api-server.js';
import { docSection } from '../../support/docs.js';
import { inferenceSet, IS, Setup, workspace, WS } from './harness.js';

// Generous: the machine running the suite may be busy; waits inside tests are bounded by `until`.
jest.setTimeout(30_000);

const discovery = docSection('docs/discovery.md', 'Discovery');
const blocks = (language: string) =>
  [...discovery.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1] ?? '');

const setup = new Setup();
afterEach(() => setup.stop());

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('docs/discovery.md', () => {
  const rules = (parse(blocks('yaml')[0] ?? '') as { rules: Rule[] }).rules;
  const allows = (group: string, resource: string, verb: string) =>
    rules.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));

  it('grants read verbs only', () => {
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.flatMap((rule) => rule.verbs).every((verb) => ['get', 'list', 'watch'].includes(verb))).toBe(true);
  });

  it('grants every request discovery makes, through startup, lists, watches, relists and re-detection', async () => {
    const { fake, discovery } = await setup.start({ crds: [INFERENCESET_CRD] }, (fake) => fake.apply(IS, inferenceSet('default', 'phi-4')));
    fake.installCrd(WORKSPACE_CRD);
    fake.installCrd(SCALEDOBJECT_CRD);
    await fake.until(() => discovery.ready() && fake.openWatches() === 2);
    fake.compact();
    fake.apply(WS, workspace('default', 'phi-4-0', 'phi-4'));
    fake.closeWatches();
    await fake.until(() => discovery.lookup('default', 'phi-4')?.workspaces.length === 1 && fake.openWatches() === 2);
    const detections = fake.requests.filter((request) => request.verb === 'crd').length;
    fake.removeCrd(WS);
    await fake.until(() => !discovery.ready());
    fake.installCrd(WORKSPACE_CRD);
    await fake.until(() => discovery.ready());
    expect(fake.requests.filter((request) => request.verb === 'crd').length).toBeGreaterThan(detections);

    const verbs = new Set(fake.requests.map((request) => request.verb));
    expect([...verbs].sort()).toEqual(['crd', 'discovery', 'list', 'watch']);
    for (const request of fake.requests) {
      const [plural = '', ...group] = (request.resource ?? '').split('.');
      if (request.verb === 'discovery') expect(request.path.startsWith('/apis')).toBe(true);
      else if (request.verb === 'crd') expect(allows('apiextensions.k8s.io', 'customresourcedefinitions', 'get')).toBe(true);
      else expect([request.verb, allows(group.join('.'), plural, request.verb)]).toEqual([request.verb, true]);
    }
  });

  it('shows the log lines discovery writes', async () => {
    const examples = (blocks('text')[0] ?? '').trim().split('\n');
    expect(examples).toHaveLength(3);

    const waiting = await setup.start({ crds: [INFERENCESET_CRD, WORKSPACE_CRD] });
    const forbidden = await setup.start({}, (fake) => fake.inject({ verb: 'crd', resource: IS, status: 403 }));
    const ready = await setup.start({}, (fake) => {
      for (let n = 0; n < 12; n += 1) fake.apply(IS, inferenceSet('default', `set-${n}`));
      for (let n = 0; n < 31; n += 1) fake.apply(WS, workspace('default', `ws-${n}`, `set-${n % 12}`));
    });
    for (const [position, harness] of [waiting, forbidden, ready].entries()) {
      await harness.fake.until(() => harness.logs.messages().includes(examples[position] ?? ''));
    }
  });

  it('parses the allowed-namespaces examples as the table says', () => {
    const table = discovery.slice(discovery.indexOf('| annotation value |'));
    const rows = table
      .split('\n')
      .slice(2)
      .filter((line) => line.startsWith('|'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toHaveLength(4);
    for (const [value = '', admitted = ''] of rows) {
      const annotation = value === '(absent)' ? undefined : value.replace(/^`|`$/g, '');
      const expected =
        admitted === 'none' ? [] : admitted === 'any' ? ['*'] : admitted.split(',').map((entry) => entry.trim().replace(/^`|`$/g, ''));
      expect([value, parseAllowedNamespaces(annotation)]).toEqual([value, expected]);
    }
  });
});
