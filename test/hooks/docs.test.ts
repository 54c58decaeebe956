import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { envName, flagName } from '../../schemas/flags.js';
import { ANNOTATIONS, ANNOTATION_PREFIX } from '../../schemas/annotations.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { loggingOptions } from '../../schemas/logging-options.js';
import { crdValidator } from '../support/crd-schema.js';
import { doc } from '../support/docs.js';
import { hooksApp } from './hooks-app.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = doc('README.md');
const hooksPage = doc('docs/hooks.md');

describe('README.md and docs/hooks.md', () => {
  it.each([...hooksPage.matchAll(/<!-- answer of POST (\S+) (\S+) -->\n```yaml\n([\s\S]*?)```/g)].map((m) => [m[1], m[2], m[3]]))(
    'shows the real answer of POST %s %s',
    async (path, file, shown) => {
      const response = await request(hooksApp())
        .post(path as string)
        .set('content-type', 'application/json')
        .send(read(file as string));
      expect(response.status).toBe(200);
      expect(response.body).toEqual(parse(shown as string));
    },
  );

  it('has at least one answer to check', () => {
    expect(hooksPage).toContain('<!-- answer of POST /sync examples/sync-decorator.json -->');
  });

  it('documents every hooks option with its variable and default', () => {
    for (const [property, schema] of Object.entries(hooksCommand.options.properties)) {
      if (property in loggingOptions) continue;
      const row = `| \`--${flagName(property)}\` | \`${envName(property)}\` | \`${String(schema['default'])}\` |`;
      expect(hooksPage).toContain(row);
    }
  });

  it('documents every annotation a user sets', () => {
    for (const annotation of Object.values(ANNOTATIONS)) {
      if (annotation === ANNOTATIONS.managedBy) continue;
      expect(readme).toContain(`| \`${annotation.slice(ANNOTATION_PREFIX.length)}\` |`);
    }
  });
});

describe('examples', () => {
  const validateInferenceSet = crdValidator('kaito.sh_inferencesets.yaml', 'InferenceSet', 'v1beta1');
  const validateWorkspace = crdValidator('kaito.sh_workspaces.yaml', 'Workspace', 'v1beta1');
  const annotated = parse(read('examples/inferenceset.yaml'));

  it('the annotated InferenceSet is valid for KAITO', () => {
    expect(validateInferenceSet(annotated)).toEqual([]);
  });

  it.each(['sync-decorator.json', 'sync-composite.json', 'customize.json'])('%s is about that InferenceSet', (file) => {
    const body = JSON.parse(read(`examples/${file}`));
    const parent = body.object ?? body.parent;
    expect(validateInferenceSet(parent)).toEqual([]);
    expect(parent.metadata).toMatchObject(annotated.metadata);
    expect(parent.spec).toEqual(annotated.spec);
  });

  it('the related Workspaces are valid for KAITO', () => {
    const body = JSON.parse(read('examples/sync-decorator.json'));
    for (const workspace of Object.values(body.related['Workspace.kaito.sh/v1beta1'])) {
      expect(validateWorkspace(workspace)).toEqual([]);
    }
  });
});
