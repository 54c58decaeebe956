import { status } from '@grpc/grpc-js';
import { MISSING_REASONS } from '../../scaler/measure.js';
import { doc, tableAfter } from '../support/docs.js';
import { HOSTILE_CATALOGUE } from './catalogue.js';

/** The tables of docs/reliability.md say what the reliability suite checks, row for row. */

/** The rows of the table after `<!-- reliability: <name> -->`. */
const table = (name: string): string[][] => tableAfter(doc('docs/reliability.md'), `<!-- reliability: ${name} -->`);

describe('docs/reliability.md', () => {
  it('lists every hostile replica of the suite, in its order, with the reason the suite checks', () => {
    const rows = table('replicas');
    expect(rows.map((row) => row[0])).toEqual(HOSTILE_CATALOGUE.map((entry) => entry.fault));
    for (const entry of HOSTILE_CATALOGUE) {
      const reason = rows.find((row) => row[0] === entry.fault)?.[1];
      const expected =
        'missing' in entry.expect ? `\`${entry.expect.missing}\`` : 'value' in entry.expect ? 'read' : '`UnsupportedMetricType`';
      expect({ fault: entry.fault, reason }).toEqual({ fault: entry.fault, reason: expected });
    }
    for (const row of rows) if (row[1] !== 'read') expect(MISSING_REASONS).toContain(row[1]?.replace(/`/g, ''));
  });

  it.each(['callers', 'api-server', 'hooks'])('names only real gRPC status codes in the %s table', (name) => {
    const codes = table(name).flatMap((row) => row.join(' ').match(/`[A-Z][A-Z_]+`/g) ?? []);
    for (const code of codes) expect(Object.keys(status)).toContain(code.replace(/`/g, ''));
  });

  it('has rows in every table', () => {
    for (const name of ['replicas', 'callers', 'api-server', 'hooks']) expect(table(name).length).toBeGreaterThan(5);
  });
});
