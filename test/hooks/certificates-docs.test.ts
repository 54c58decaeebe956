import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { writeCertificateDirectory } from '../../certs/folder.js';
import { serverNames, systemRandomness } from '../../certs/issue.js';
import { SECRET_NAMES, type CertificatesResponse } from '../../hooks/certificates.js';
import { envName, flagName } from '../../schemas/flags.js';
import { certsCommand } from '../../schemas/certs-options.js';
import { loggingOptions } from '../../schemas/logging-options.js';
import { docSection } from '../support/docs.js';
import { hooksApp } from './hooks-app.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const section = docSection('docs/certificates.md', 'Certificates');
const block = (marker: string, language = '') => {
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`docs/certificates.md has no block after <!-- ${marker} -->`);
  return match[1] as string;
};

describe('docs/certificates.md', () => {
  it('shows the summary of the real answer to the example request (the jq filter it prints)', async () => {
    const response = await request(hooksApp())
      .post('/certificates/sync')
      .set('content-type', 'application/json')
      .send(read('examples/certificates-sync.json'));
    expect(response.status).toBe(200);
    const body = response.body as CertificatesResponse;
    const summary = {
      resyncAfterSeconds: body.resyncAfterSeconds,
      attachments: body.attachments.map((secret) => ({
        name: secret.metadata.name,
        type: secret.type,
        keys: Object.keys(secret.data).sort(),
      })),
    };
    expect(summary).toEqual(parse(block('summary of POST /certificates/sync examples/certificates-sync.json', 'yaml')));
    expect(section).toContain(
      "jq '{resyncAfterSeconds, attachments: [.attachments[] | {name: .metadata.name, type, keys: (.data | keys)}]}'",
    );
  });

  it('names the Secrets the hook writes', () => {
    for (const name of Object.values(SECRET_NAMES)) expect(section).toContain(`| \`${name}\` |`);
  });

  it('lists the files `certs --out` writes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kks-readme-'));
    try {
      const out = join(root, '.dev/tls');
      const written = await writeCertificateDirectory(
        { out, names: serverNames('keda-kaito-scaler-svc', 'keda'), mode: 'create' },
        { now: new Date(), random: systemRandomness },
      );
      expect(written.ok).toBe(true);
      const entries = await readdir(out, { recursive: true });
      const files: string[] = [];
      for (const entry of entries) if ((await stat(join(out, entry))).isFile()) files.push(relative(root, join(out, entry)));
      expect(block('files of certs --out').split(/\s+/).filter(Boolean).sort()).toEqual(files.sort());
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('documents every certs option with its variable and default', () => {
    for (const [property, schema] of Object.entries(certsCommand.options.properties)) {
      if (property in loggingOptions) continue;
      const fallback = schema['default'];
      const shown = fallback === undefined ? '(required)' : `\`${Array.isArray(fallback) ? fallback.join(',') : String(fallback)}\``;
      expect(section).toContain(`| \`--${flagName(property)}\` | \`${envName(property)}\` | ${shown} |`);
    }
  });
});
