import { readFileSync } from 'node:fs';
import { docSection } from '../support/docs.js';
import { formatBanner, tryCommands } from '../../dev/display.js';
import { loadAt, phaseAt } from '../../dev/load-pattern.js';
import { portProblem } from '../../lib/ports.js';
import { planPorts } from '../../dev/ports.js';
import { readInferenceSet, readSyncAnswer, syncRequest } from '../../dev/scaled-object.js';
import { sync } from '../../hooks/sync.js';
import { flagName, envName } from '../../schemas/flags.js';
import { sum } from '../../scaler/aggregate.js';
import { formatAnswers } from '../../commands/query.js';
import { metricSpecFor, metricValueFor } from '../../scaler/service.js';
import { devOptionsSchema } from '../../schemas/dev-options.js';
import { inconsistencies, parsePollLine } from './poll-lines.js';

/** docs/development.md, "Local development": its output, commands and options are what the code prints and reads. */

const section = docSection('docs/development.md', 'Local development');
const block = (marker: string): string => {
  const found = new RegExp(`${marker}\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!found) throw new Error(`docs/development.md "Local development" has no block after ${marker}`);
  return found[1]!;
};
const blocks = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((match) => match[1]!);

// What the defaults give: the example InferenceSet through the real sync function, the scaler at 127.0.0.1:10450.
const example = readInferenceSet(
  readFileSync(new URL('../../examples/inferenceset.yaml', import.meta.url), 'utf8'),
  'examples/inferenceset.yaml',
);
if (!example.ok) throw new Error(example.problem.message);
const synced = sync(syncRequest(example.value), { scalerAddress: '127.0.0.1:10450', triggerAuthentication: 'keda-kaito-scaler-creds' });
const scaledObject = readSyncAnswer(synced.ok ? 200 : 422, synced.ok ? synced.value : synced.problem, 'examples/inferenceset.yaml');
if (!scaledObject.ok) throw new Error(scaledObject.problem.message);
const so = scaledObject.value;
const commands = tryCommands({
  hooksPort: 8080,
  grpcPort: 10450,
  syncRequest: 'examples/sync-decorator.json',
  cli: 'dist/cli.js',
  clientTlsDir: '.dev/tls/client',
  namespace: so.namespace,
  metadata: so.metadata,
});

describe('docs/development.md: Local development', () => {
  const output = block('<!-- npm start output \\(excerpt\\) -->').split('\n');

  it('shows the banner npm start prints with the defaults', () => {
    const banner = formatBanner({
      replicas: ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'],
      pattern: 'cycle',
      grpcPort: 10450,
      httpPort: 10451,
      hooksPort: 8080,
      tlsDir: '.dev/tls',
      certificates: 'wrote 8 files (ca: Missing, server: Missing, client: Missing)',
      targetsFile: '.dev/targets.yaml',
      inferenceSetFile: 'examples/inferenceset.yaml',
      scaledObject: so,
      commands,
      pollSeconds: 5,
      durationSeconds: 0,
    });
    expect(output.slice(0, banner.length)).toEqual(banner);
  });

  it('shows poll lines that follow the load pattern and add up', () => {
    const polls = output.flatMap((line) => (line.startsWith('t=') ? [line] : []));
    expect(polls.length).toBeGreaterThanOrEqual(5);
    for (const line of polls) {
      const poll = parsePollLine(line);
      if (!poll) throw new Error(`not a poll line: ${line}`);
      expect({ line, problems: inconsistencies(poll, { min: so.min, max: so.max }) }).toEqual({ line, problems: [] });
      expect(poll.phase).toBe(phaseAt('cycle', poll.elapsed));
      const loads = [0, 1, 2].map((replica) => loadAt('cycle', poll.elapsed, replica, 3));
      expect(poll.replicas).toEqual(
        loads.map((load, replica) =>
          load.reachable ? { port: 9001 + replica, value: load.waiting } : { port: 9001 + replica, missing: 'Unreachable' },
        ),
      );
    }
  });

  it('gives the commands npm start prints, and the query answer of the first 10 s', () => {
    expect(blocks.map((text) => text.trim())).toContain(commands.curl);
    expect(block('<!-- dev: query command -->').trim()).toBe(commands.query);
    expect(output).toContain(`  $ ${commands.curl}`);
    expect(output).toContain(`  $ ${commands.query}`);

    const config = {
      inferenceSetName: 'phi-4-mini',
      inferenceSetNamespace: 'default',
      metricName: 'vllm:num_requests_waiting',
      threshold: 10,
    };
    const loads = [0, 1, 2].map((replica) => loadAt('cycle', 0, replica, 3));
    const combined = sum.combine(
      3,
      loads.filter((load) => load.reachable).map((load) => load.waiting),
      10,
    );
    if (!combined.ok) throw new Error(combined.problem.message);
    const answer = formatAnswers({
      getMetricSpec: { ok: true, value: { metricSpecs: [metricSpecFor(config)] } },
      getMetrics: { ok: true, value: { metricValues: [metricValueFor(metricSpecFor(config).metricName, combined.value.value)] } },
      isActive: { ok: true, value: { result: combined.value.active } },
    });
    expect(blocks.map((text) => text.trim())).toContain(answer);
  });

  it('describes each load pattern as loadAt makes it', () => {
    const rows = section.split('\n').filter((line) => /^\| `(steady|burst|idle)` \|/.test(line));
    expect(rows.length).toBe(3);
    for (const row of rows) {
      const [, pattern, waiting, running] = /^\| `(\w+)` \| ([\d, .]+?) \((\d+)(?: each)?\) \|$/.exec(row) ?? [];
      const shown = (waiting ?? '')
        .split(', ')
        .filter((entry) => entry !== '...')
        .map(Number);
      const loads = shown.map((_, replica) => loadAt(pattern as 'steady', 15, replica, 4));
      expect({ row, waiting: loads.map((load) => load.waiting), running: loads.map((load) => load.running) }).toEqual({
        row,
        waiting: shown,
        running: shown.map(() => Number(running)),
      });
    }
  });

  it('quotes the message for a port in use', () => {
    const plan = planPorts({ hooksPort: 8080, grpcPort: 10450, httpPort: 10451, replicaPort: 9001, replicas: 3 });
    if (!plan.ok) throw new Error(plan.problem.message);
    expect(block('<!-- dev: port in use -->').trim()).toBe(
      `keda-kaito-scaler dev: ${portProblem(plan.value.hooks, '127.0.0.1', 'EADDRINUSE', '')}`,
    );
  });

  it('lists every option with its variable, default and rule', () => {
    const table = section
      .slice(section.indexOf('<!-- dev options -->'))
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const expected = Object.entries(devOptionsSchema.properties).map(([property, schema]) => {
      const fallback = 'default' in schema ? `\`${String(schema.default)}\`` : '–';
      return `| \`--${flagName(property)}\` | \`${envName(property)}\` | ${fallback} | ${schema.description} |`;
    });
    expect(table).toEqual(expected);
  });
});
