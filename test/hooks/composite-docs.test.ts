import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { evaluateFormula } from '../../dev/formula.js';
import { readCompositePolicy } from '../../hooks/composite.js';
import type { KubeObject } from '../../hooks/objects.js';
import { sync } from '../../hooks/sync.js';
import { crdValidator } from '../support/crd-schema.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/composite.md');
const block = (marker: string) => {
  const found = new RegExp(`<!-- composite: ${marker} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (found === undefined) throw new Error(`docs/composite.md has no ${marker} block`);
  return parse(found);
};

describe('docs/composite.md', () => {
  const example = parse(read('examples/inferenceset-composite.yaml')) as KubeObject;

  it('shows the annotations of examples/inferenceset-composite.yaml', () => {
    expect(block('annotations')).toEqual(example.metadata.annotations);
  });

  it('shows the ScaledObject the sync hook renders for them, valid for KEDA', () => {
    // The hooks' defaults.
    const config = {
      scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450',
      triggerAuthentication: 'keda-kaito-scaler-creds',
    };
    const result = sync({ controller: {}, object: example, attachments: {}, related: {}, finalizing: false }, config);
    if (!result.ok) throw new Error(result.problem.message);
    const [rendered] = (result.value as { attachments: KubeObject[] }).attachments;
    expect(block('rendered')).toEqual(rendered);
    expect(crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1')(rendered)).toEqual([]);
  });

  it('reads the formula at each moment of the table as KEDA would', () => {
    const policy = readCompositePolicy(example.metadata.annotations ?? {});
    if (!policy.ok) throw new Error(policy.problem.message);
    const after = doc.slice(doc.indexOf('<!-- composite: readings -->')).split('\n').slice(3);
    const table = after.slice(0, after.indexOf('')).map((line) => line.split('|').map((cell) => cell.trim()));
    expect(table.length).toBeGreaterThanOrEqual(4);
    for (const [, waiting, queue, gate, , hpa] of table) {
      const values = {
        vllm_num_requests_waiting: Number(waiting),
        vllm_request_queue_time_seconds: parseFloat(queue ?? ''),
        readiness_gate: Number(gate),
      };
      const ratio = evaluateFormula(policy.value, values)?.ratio;
      expect(hpa?.startsWith(ratio === 2 ? '2.0' : ratio === 0.5 ? '0.5' : '1.0')).toBe(true);
    }
  });

  it('names every reason a composite annotation can be refused for', () => {
    const source = read('hooks/composite.ts');
    const reasons = new Set([...source.matchAll(/fail\('([A-Za-z]+)'/g)].map((match) => match[1]));
    const schema = read('schemas/composite-annotations.ts');
    for (const match of schema.matchAll(/'x-reason': '([A-Za-z]+)'/g)) reasons.add(match[1]);
    for (const reason of reasons) expect(doc).toContain(`\`${reason}\``);
  });
});
