import { readFileSync } from 'node:fs';
import { envName, flagName } from '../../lib/flags.js';
import { simulateCommand, simulateOptionsSchema } from '../../schemas/simulate-options.js';
import { prepare, readText, rehearse } from '../../simulate/command.js';
import { summaryTable } from '../../simulate/outputs.js';

const docs = readFileSync(new URL('../../docs/simulate.md', import.meta.url), 'utf8');
const script = readFileSync(new URL('../../scripts/docs-images.sh', import.meta.url), 'utf8');

/** The first code block after a marker comment. */
const blockAfter = (marker: string, fence: string): string => {
  const rest = docs.slice(docs.indexOf(marker));
  return (new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``).exec(rest)?.[1] ?? '').trimEnd();
};

describe('docs/simulate.md', () => {
  const command = (/```sh\n(keda-kaito-scaler simulate[\s\S]*?)\n```/.exec(docs)?.[1] ?? '').replace(/\\\n\s*/g, '');
  const args = command.split(/\s+/).slice(2);

  it('shows the summary the documented command prints', async () => {
    const options: Record<string, string[] | string> = {};
    for (let index = 0; index < args.length; index += 2) {
      const name = (args[index] as string).replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      options[name] = name === 'policy' ? [...((options[name] as string[]) ?? []), args[index + 1] as string] : (args[index + 1] as string);
    }
    const validated = simulateCommand.validate(options);
    if (!validated.ok) throw new Error(validated.problem.message);
    const prepared = await prepare(validated.value, readText);
    if (!prepared.ok) throw new Error(prepared.problem.message);
    expect(blockAfter('<!-- simulate summary -->', 'text')).toBe(summaryTable(rehearse(prepared.value)));
  });

  it('makes its picture with the command it shows', () => {
    const scripted = (/node dist\/cli.js (simulate[\s\S]*?)--out/.exec(script)?.[1] ?? '').replace(/\\\n\s*/g, '').trim();
    expect(`keda-kaito-scaler ${scripted}`).toBe(command);
    expect(docs).toContain('](images/simulate-diurnal.png)');
  });

  it('lists every option, with its environment variable and default', () => {
    const table = docs.slice(docs.indexOf('<!-- simulate options -->'));
    const rows = [...table.matchAll(/^\| `--([a-z-]+)` \| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((row) => [row[1], row[2], row[3]!.trim()]);
    const options = Object.entries(simulateOptionsSchema.properties).filter(([name]) => !name.startsWith('log'));
    expect(rows.map((row) => row[0])).toEqual(options.map(([name]) => flagName(name)));
    for (const [name, schema] of options) {
      const row = rows.find((entry) => entry[0] === flagName(name))!;
      expect(row[1]).toBe(envName(name));
      const fallback = (schema as { default?: unknown }).default;
      if (fallback !== undefined) expect(row[2]).toBe(`\`${String(fallback)}\``);
    }
  });
});
