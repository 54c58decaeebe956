import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createLogger } from '../../lib/log.js';
import { sum } from '../../scaler/aggregate.js';
import { createMeasurer, measurerDefaults, MISSING_REASONS } from '../../scaler/measure.js';
import { parseTriggerMetadata } from '../../scaler/metadata.js';
import { triggerMetadataSchema } from '../../schemas/trigger-metadata.js';
import { docSection, tableAfter } from '../support/docs.js';

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('docs/trigger-metadata.md', () => {
  const text = docSection('docs/trigger-metadata.md', 'Trigger metadata');

  it('has one row per key, with its rule, default and whether it is required', () => {
    const rows = tableAfter(text, 'the listed ones are checked strictly:');
    const required = new Set<string>(triggerMetadataSchema.required);
    const expected = Object.entries(triggerMetadataSchema.properties).map(([key, schema]) => [
      `\`${key}\``,
      required.has(key) ? 'yes' : 'no',
      'default' in schema ? `\`${schema.default}\`` : '–',
      schema.description,
    ]);
    expect(rows).toEqual(expected);
  });

  it('has an example the scaler accepts', () => {
    const block = /<!-- trigger metadata example -->\n```yaml\n([\s\S]*?)```/.exec(text)?.[1];
    const trigger = parse(block ?? '').triggers[0];
    expect(parseTriggerMetadata(trigger.metadata)).toEqual({
      ok: true,
      value: expect.objectContaining({
        inferenceSetName: 'phi-4-mini',
        threshold: 10,
        scrapeTimeoutMs: 2000,
        metricPort: 80,
        aggregation: 'sum',
      }),
    });
  });

  it('quotes a real error message', () => {
    const result = parseTriggerMetadata({ inferenceSetName: 'a', inferenceSetNamespace: 'b', metricName: 'm', threshold: '0' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(flat(text)).toContain(`\`${result.problem.message}\``);
  });
});

const computed = () => docSection('docs/how-the-number-is-computed.md', 'How the number is computed');

describe('docs/how-the-number-is-computed.md', () => {
  const text = computed();

  it.each(tableAfter(computed(), '<!-- sum examples -->'))('θ = %s, replicas %s -> %s', (threshold, replicas, answer) => {
    const targets = replicas === '(no Workspaces)' ? [] : (replicas as string).split(', ');
    const values = targets.filter((target) => /^-?\d/.test(target)).map(Number);
    const result = sum.combine(targets.length, values, Number(threshold));
    const error = /^error `(\w+)`$/.exec(answer as string);
    if (error) {
      expect(result).toMatchObject({ ok: false, problem: { reason: error[1] } });
    } else {
      const [value, inactive] = (answer as string).split(', ');
      expect(result).toMatchObject({ ok: true, value: { value: Number(value), active: inactive !== 'inactive' } });
    }
  });

  it.each(tableAfter(computed(), '<!-- surge examples -->'))(
    'θ = %s, spec.replicas %s, replicas %s -> %s',
    (threshold, desired, replicas, answer) => {
      const targets = (replicas as string).split(', ');
      const values = targets.filter((target) => /^-?\d/.test(target)).map(Number);
      expect(sum.combine(targets.length, values, Number(threshold), Number(desired))).toMatchObject({
        ok: true,
        value: { value: Number(answer) },
      });
    },
  );

  it('lists every reason a replica can give no sample, and no other', () => {
    const reasons = tableAfter(text, 'A replica gives **no sample** when:').map(([reason]) => reason);
    expect(reasons.sort()).toEqual(MISSING_REASONS.map((reason) => `\`${reason}\``).sort());
  });

  it('names exactly the metrics the scaler exports', async () => {
    const registry = new Registry();
    createMeasurer({ registry, log: createLogger({ level: 'silent', format: 'json' }) }).close();
    const exported = (await registry.getMetricsAsJSON()).map((metric) => metric.name).sort();
    const documented = [...new Set(flat(text).match(/kks_[a-z_]+/g))].sort();
    expect(documented).toEqual(exported);
  });

  it('quotes the defaults', () => {
    const words = flat(text);
    expect(words).toContain(`(default ${measurerDefaults.maxConcurrency};`);
    expect(words).toContain(`less ${measurerDefaults.deadlineMarginMs} ms (by default)`);
    expect(words).toContain(`${measurerDefaults.maxBodyBytes / 1024 / 1024} MiB (by default)`);
  });
});
