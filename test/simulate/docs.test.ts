import { readFileSync } from 'node:fs';
import { envName, flagName } from '../../schemas/flags.js';
import { simulateCommand, simulateOptionsSchema } from '../../schemas/simulate-options.js';
import { prepare, readText, rehearse } from '../../simulate/rehearsal.js';
import { summaryTable } from '../../simulate/outputs.js';

const docs = readFileSync(new URL('../../docs/simulate.md', import.meta.url), 'utf8');
const script = readFileSync(new URL('../../scripts/docs-images.sh', import.meta.url), 'utf8');

/** Each documented `keda-kaito-scaler simulate` command, with the summary block after it. */
const examples = [
  ...docs.matchAll(/```sh\n(keda-kaito-scaler simulate[\s\S]*?)\n```\s*<!-- simulate summary -->\s*```text\n([\s\S]*?)\n```/g),
].map((match) => ({
  command: (match[1] as string).replace(/\\\n\s*/g, ''),
  summary: match[2] as string,
}));

/** `--flag value` pairs as the options object the command line parser makes. */
function optionsOf(command: string): Record<string, string | string[]> {
  const args = command.split(/\s+/).slice(2);
  const options: Record<string, string | string[]> = {};
  for (let index = 0; index < args.length; index += 2) {
    const name = (args[index] as string).replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    options[name] =
      name === 'policy' ? [...((options[name] as string[] | undefined) ?? []), args[index + 1] as string] : (args[index + 1] as string);
  }
  return options;
}

describe('docs/simulate.md', () => {
  it('shows two commands with their summaries', () => {
    expect(examples).toHaveLength(2);
  });

  it.each(examples.map((example) => [example.command, example.summary]))('%s prints the summary shown', async (command, summary) => {
    const validated = simulateCommand.validate(optionsOf(command));
    if (!validated.ok) throw new Error(validated.problem.message);
    const prepared = await prepare(validated.value, readText);
    if (!prepared.ok) throw new Error(prepared.problem.message);
    expect(summary).toBe(summaryTable(rehearse(prepared.value)));
  });

  it('makes its pictures with the commands it shows, in order', () => {
    const pictures = [...script.matchAll(/^picture (\S+) (.*)$/gm)].map((match) => [match[1], `keda-kaito-scaler simulate ${match[2]}`]);
    expect(pictures.map((picture) => picture[1])).toEqual(examples.map((example) => example.command));
    for (const [name] of pictures) expect(docs).toContain(`](images/simulate-${name}.png)`);
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
