import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/cli.js';
import { hookAnswer, policyYaml } from './support.js';

/** `keda-kaito-scaler simulate` as a user runs it: files in, files and a table out. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const simulate = (...args: string[]) => spawnSync(process.execPath, [CLI, 'simulate', ...args], { encoding: 'utf8', cwd: process.cwd() });

describe('keda-kaito-scaler simulate', () => {
  it('compares two policies and writes the report, the plots, the timeline and the summary', () => {
    const out = join(dir, 'out');
    const result = simulate(
      '--policy',
      'examples/policies/conservative.yaml',
      '--policy',
      'examples/policies/running.yaml',
      '--load',
      'burst',
      '--duration',
      '1h',
      '--out',
      out,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .split('\n')
        .slice(0, 3)
        .map((line) => line.split(/\s{2,}/)[0]),
    ).toEqual(['policy', 'conservative', 'running-24']);
    expect(result.stdout).toContain(`report: ${join(out, 'report.html')}`);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(summary.policies)).toEqual(['conservative', 'running-24']);
    expect(Object.keys(summary.policies.conservative).sort()).toEqual(
      ['failures', 'gpuHours', 'maxReplicas', 'p95QueueSeconds', 'scaleDowns', 'scaleUps', 'secondsOverTarget'].sort(),
    );

    const timeline = readFileSync(join(out, 'timeline.csv'), 'utf8').trim().split('\n');
    expect(timeline[0]).toBe(
      't_seconds,policy,replicas,ready_replicas,hpa_aim,value,threshold,arrivals_per_second,waiting,running,queue_seconds,reason',
    );
    expect(timeline.slice(1, 3).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(['0,conservative', '0,running-24']);
    expect(timeline).toHaveLength(1 + (2 * 3600) / 15);

    expect(readFileSync(join(out, 'replicas.png')).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const svg = readFileSync(join(out, 'replicas.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<td>running-24</td>');
    expect(html.match(/<svg/g)).toHaveLength(2);
    // Self-contained: nothing to fetch (the only URLs are XML namespaces).
    expect(html.replace(/xmlns(:\w+)?="[^"]*"/g, '')).not.toMatch(/(src|href)=|https?:\/\//);
  });

  it('replays a recording of the scaler (open loop)', () => {
    const lines = Array.from({ length: 40 }, (_, index) =>
      JSON.stringify({
        time: new Date(Date.UTC(2026, 2, 3, 10, 0, 0) + index * 15_000).toISOString(),
        namespace: 'default',
        inferenceSet: 'phi-4-mini',
        metric: 'vllm:num_requests_waiting',
        aggregation: 'sum',
        threshold: 10,
        replicas: [{ url: 'http://ws-0/metrics', value: index < 20 ? 45 : 0 }],
        value: index < 20 ? 45 : 0,
      }),
    );
    const file = join(dir, 'recording.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'replay');
    const result = simulate('--policy', 'examples/policies/conservative.yaml', '--replay', file, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.overTarget).toBe("seconds with the recorded value per replica above the policy's threshold");
    expect(summary.policies.conservative).toMatchObject({ p95QueueSeconds: null, scaleUps: 1, maxReplicas: 2 });
    const rows = readFileSync(join(out, 'timeline.csv'), 'utf8').trim().split('\n').slice(1);
    // A new HPA has no recommendation yet to stabilize against: one Pod up at once, still starting.
    expect(rows[0]).toBe('0,conservative,2,1,5,45,10,,,,,ScaleUpLimit');
  });

  it('refuses a policy the hooks refuse, with their reason and message', () => {
    const extra = { 'scaledobject.kaito.sh/min-replicas': '5', 'scaledobject.kaito.sh/max-replicas': '3' };
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, policyYaml('bad', extra));
    const answer = hookAnswer('bad', extra);
    if (answer.ok) throw new Error('the hooks accept it');
    const result = simulate('--policy', file, '--out', join(dir, 'bad'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`keda-kaito-scaler simulate: ${answer.problem.reason}: policy ${file}: ${answer.problem.message}\n`);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it.each<[string, string[], RegExp]>([
    ['a missing file', ['--policy', 'nope.yaml'], /CannotRead: cannot read nope.yaml/],
    [
      'two policies of one name',
      ['--policy', 'examples/policies/running.yaml', '--policy', 'examples/policies/running.yaml'],
      /DuplicatePolicyName/,
    ],
    [
      'both --load and --replay',
      ['--policy', 'examples/policies/running.yaml', '--load', 'step', '--replay', 'x.jsonl'],
      /ConflictingOptions/,
    ],
    ['a run shorter than a sync', ['--policy', 'examples/policies/running.yaml', '--duration', '10s'], /InvalidOption: the run lasts 10 s/],
  ])('refuses %s', (_, args, message) => {
    const result = simulate(...args, '--out', join(dir, 'refused'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it.each<[string, string[], RegExp]>([
    ['no --policy', [], /option --policy \(KKS_POLICY\) is required/],
    ['a duration without a unit', ['--policy', 'p.yaml', '--startup', '6'], /option --startup \(KKS_STARTUP\) is "6"/],
  ])('refuses %s as a usage error', (_, args, message) => {
    const result = simulate(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
