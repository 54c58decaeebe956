import { changePoints, renderSvg, replicasOption } from '../../simulate/chart.js';
import { formatDuration, summaryDocument, summaryTable, timelineCsv } from '../../simulate/outputs.js';
import { reportHtml } from '../../simulate/report.js';
import type { PolicyRun, TimelineRow } from '../../simulate/run.js';

const row = (t: number, replicas: number, extra: Partial<TimelineRow> = {}): TimelineRow => ({
  t,
  policy: 'a',
  replicas,
  ready: replicas,
  aim: replicas,
  value: 1.23456789,
  threshold: 10,
  arrivals: 2,
  waiting: 0,
  running: 16,
  queueSeconds: 0,
  reason: 'DesiredWithinRange',
  ...extra,
});

const run = (policy: string, rows: TimelineRow[]): PolicyRun => ({
  policy,
  bounds: { min: 1, max: 4 },
  rows: rows.map((entry) => ({ ...entry, policy })),
  summary: { gpuHours: 1.23456, secondsOverTarget: 3725, p95QueueSeconds: 12.345, scaleUps: 2, scaleDowns: 1, maxReplicas: 3, failures: 0 },
});

describe('changePoints: the points of a line where it changes', () => {
  it.each<[number[], Array<[number, number]>]>([
    [
      [1, 1, 1, 1],
      [
        [0, 1],
        [0.0125, 1],
      ],
    ],
    [
      [1, 1, 2, 2, 2, 3],
      [
        [0, 1],
        [0.00416667, 1],
        [0.00833333, 2],
        [0.01666667, 2],
        [0.02083333, 3],
      ],
    ],
  ])('%p', (values, expected) => {
    const points = changePoints(
      values.map((value, index) => row(index * 15, value)),
      (entry) => entry.replicas,
    );
    expect(points.map(([t, value]) => [Math.round(t * 1e8) / 1e8, value])).toEqual(expected);
  });

  it('leaves out rows without a value', () => {
    expect(changePoints([row(0, 1, { aim: undefined }), row(15, 2)], (entry) => entry.aim)).toEqual([[15 / 3600, 2]]);
  });
});

describe('outputs as text', () => {
  const runs = [
    run('a', [row(0, 1), row(15, 2, { aim: undefined, value: undefined, reason: 'NoSamples' })]),
    run('b', [row(0, 1), row(15, 1)]),
  ];

  it('timeline.csv: one row per sync per policy, empty cells for what is missing', () => {
    expect(timelineCsv(runs).split('\n')).toEqual([
      't_seconds,policy,replicas,ready_replicas,hpa_aim,value,threshold,arrivals_per_second,waiting,running,queue_seconds,reason',
      '0,a,1,1,1,1.234568,10,2,0,16,0,DesiredWithinRange',
      '0,b,1,1,1,1.234568,10,2,0,16,0,DesiredWithinRange',
      '15,a,2,2,,,10,2,0,16,0,NoSamples',
      '15,b,1,1,1,1.234568,10,2,0,16,0,DesiredWithinRange',
      '',
    ]);
  });

  it('summary.json and the table', () => {
    expect(summaryDocument(runs, 'x').policies['a']).toEqual({
      gpuHours: 1.235,
      secondsOverTarget: 3725,
      p95QueueSeconds: 12.3,
      scaleUps: 2,
      scaleDowns: 1,
      maxReplicas: 3,
      failures: 0,
    });
    expect(summaryTable(runs)).toBe(
      [
        'policy  GPU-hours  over target  p95 queue  scale-ups  scale-downs  max replicas',
        'a             1.2   1 h 02 min     12.3 s          2            1             3',
        'b             1.2   1 h 02 min     12.3 s          2            1             3',
      ].join('\n'),
    );
  });

  it.each<[number, string]>([
    [0, '0 s'],
    [59, '59 s'],
    [90, '2 min'],
    [3600, '1 h 00 min'],
  ])('formatDuration(%p) = %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('the plots are the same SVG for the same run, and the report escapes what it quotes', () => {
    const option = () => replicasOption(runs, { title: 'a <b>', capacity: 4, sloSeconds: 10 }, 30);
    const svg = renderSvg(option(), 800, 400);
    const unprefixed = (text: string) => text.replace(/zr\d+-(cls-|c)\d+/g, 'zr-id');
    expect(unprefixed(renderSvg(option(), 800, 400))).toBe(unprefixed(svg));
    const html = reportHtml({ title: 'a <b>', settings: ['x & y'], overTarget: 'o', runs, plots: [svg] });
    expect(html).toContain('<h1>a &lt;b&gt;</h1>');
    expect(html).toContain('<li>x &amp; y</li>');
  });
});
