import * as echarts from 'echarts';
import type { PolicyRun, TimelineRow } from './run.js';

/**
 * The plots of a rehearsal, as Apache ECharts options rendered on the server to SVG (no
 * DOM, no network). One colour per policy; solid = replicas, dashed = replicas serving,
 * dotted = what the HPA aimed at; the load is the grey area behind.
 */

const POLICY_COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'] as const;
const LOAD_COLOUR = '#9ca3af';
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export interface ChartContext {
  readonly title: string;
  /** Requests per second one replica serves: the load is drawn in replicas' worth. */
  readonly capacity: number | undefined;
  readonly sloSeconds: number | undefined;
}

type Point = [number, number];
type Option = echarts.EChartsCoreOption;

const colourOf = (index: number): string => POLICY_COLOURS[index % POLICY_COLOURS.length] as string;
const hours = (seconds: number): number => seconds / 3600;

/**
 * The points of a line where it changes: the first, the last, and each change with the
 * point before it (so a straight line between kept points is the line), so that a day of
 * 15 s syncs stays a small file. Rows without a value are left out.
 */
export function changePoints(rows: readonly TimelineRow[], pick: (row: TimelineRow) => number | undefined): Point[] {
  const points: Point[] = [];
  let previous: Point | undefined;
  let kept: Point | undefined;
  for (const [index, row] of rows.entries()) {
    const value = pick(row);
    if (value === undefined || Number.isNaN(value)) continue;
    const point: Point = [hours(row.t), value];
    if (previous === undefined || index === rows.length - 1 || value !== previous[1]) {
      if (previous !== undefined && previous !== kept && value !== previous[1]) points.push(previous);
      points.push(point);
      kept = point;
    }
    previous = point;
  }
  return points;
}

const clockLabel = (value: number): string => {
  const minutes = Math.round(value * 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
};

const timeAxis = (gridIndex: number, extent: number, showName: boolean) => ({
  type: 'value',
  gridIndex,
  min: 0,
  max: hours(extent),
  name: showName ? 'time (h:mm)' : '',
  nameLocation: 'middle',
  nameGap: 28,
  axisLabel: { formatter: clockLabel, color: '#374151' },
  splitLine: { lineStyle: { color: '#e5e7eb' } },
});

/** Queue times are drawn on a log axis (seconds to hours); below this they show as this. */
const QUEUE_FLOOR = 0.1;

/**
 * The main plot: replicas and load on top, queue time against the SLO below (closed loop).
 * Every series of a policy carries the policy's name, so the legend has one entry per policy.
 * The HPA's aim is drawn within the policy's bounds: beyond them it says nothing more.
 */
export function replicasOption(runs: readonly PolicyRun[], context: ChartContext, extent: number): Option {
  const closed = context.capacity !== undefined;
  const series: unknown[] = [];
  const first = runs[0];
  const loadName = 'load';
  if (closed && first !== undefined) {
    series.push({
      name: loadName,
      type: 'line',
      xAxisIndex: 0,
      yAxisIndex: 0,
      symbol: 'none',
      color: LOAD_COLOUR,
      lineStyle: { width: 0 },
      areaStyle: { color: LOAD_COLOUR, opacity: 0.3 },
      data: changePoints(first.rows, (row) => row.arrivals / (context.capacity as number)),
      z: 1,
    });
  }
  runs.forEach((run, index) => {
    const colour = colourOf(index);
    const line = (width: number, type: string) => ({
      name: run.policy,
      type: 'line',
      step: 'end',
      symbol: 'none',
      color: colour,
      xAxisIndex: 0,
      yAxisIndex: 0,
      lineStyle: { width, type, color: colour },
      z: 3,
    });
    series.push({ ...line(2.5, 'solid'), data: changePoints(run.rows, (row) => row.replicas) });
    series.push({ ...line(1.5, 'dashed'), data: changePoints(run.rows, (row) => row.ready) });
    series.push({
      ...line(1.2, 'dotted'),
      data: changePoints(run.rows, (row) =>
        row.aim === undefined ? undefined : Math.min(Math.max(row.aim, run.bounds.min), run.bounds.max),
      ),
    });
    if (closed) {
      series.push({
        name: run.policy,
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        symbol: 'none',
        color: colour,
        lineStyle: { width: 1.5, color: colour },
        data: changePoints(run.rows, (row) => Math.max(QUEUE_FLOOR, row.queueSeconds)),
      });
    }
  });
  const sloName = `SLO ${context.sloSeconds} s`;
  if (closed && context.sloSeconds !== undefined) {
    series.push({
      name: sloName,
      type: 'line',
      xAxisIndex: 1,
      yAxisIndex: 1,
      symbol: 'none',
      color: '#111827',
      lineStyle: { width: 1.2, type: 'dashed', color: '#111827' },
      data: [
        [0, context.sloSeconds],
        [hours(extent), context.sloSeconds],
      ],
    });
  }
  const top = Math.max(
    ...runs.map((run) => Math.max(run.bounds.max, ...run.rows.map((row) => (closed ? row.arrivals / (context.capacity as number) : 0)))),
  );
  const grids = closed
    ? [
        { left: 64, right: 28, top: 92, height: '48%' },
        { left: 64, right: 28, top: '71%', bottom: 52 },
      ]
    : [{ left: 64, right: 28, top: 92, bottom: 52 }];
  const axisName = (text: string) => ({
    name: text,
    nameLocation: 'end',
    nameGap: 10,
    nameTextStyle: { color: '#374151', align: 'left', padding: [0, 0, 0, -40] },
  });
  return {
    ...frame(
      context.title,
      'solid: replicas   dashed: replicas serving   dotted: HPA aim (within bounds)' +
        (closed ? "   grey: load, in replicas' worth of capacity" : ''),
      16,
      [...runs.map((run) => run.policy), ...(closed ? [loadName, sloName] : [])],
    ),
    grid: grids,
    xAxis: grids.map((_, index) => timeAxis(index, extent, index === grids.length - 1)),
    yAxis: [
      {
        type: 'value',
        gridIndex: 0,
        min: 0,
        max: Math.ceil(top) + 1,
        minInterval: 1,
        ...axisName('replicas'),
        splitLine: { lineStyle: { color: '#e5e7eb' } },
      },
      ...(closed
        ? [
            {
              type: 'log',
              gridIndex: 1,
              min: QUEUE_FLOOR,
              logBase: 10,
              ...axisName('queue time (s)'),
              splitLine: { lineStyle: { color: '#e5e7eb' } },
            },
          ]
        : []),
    ],
    series,
  };
}

/**
 * The metric per replica as the HPA sees it (value / replicas) against each policy's
 * threshold, on a log axis (values below QUEUE_FLOOR show there).
 */
export function metricOption(runs: readonly PolicyRun[], metric: string, extent: number): Option {
  const series: unknown[] = [];
  runs.forEach((run, index) => {
    const colour = colourOf(index);
    const line = (width: number, type: string, data: Point[]) => ({
      name: run.policy,
      type: 'line',
      symbol: 'none',
      color: colour,
      lineStyle: { width, type, color: colour },
      data,
    });
    series.push(
      line(
        1.5,
        'solid',
        changePoints(run.rows, (row) => (row.value === undefined ? undefined : Math.max(QUEUE_FLOOR, row.value / row.replicas))),
      ),
    );
    series.push(
      line(
        1.2,
        'dashed',
        changePoints(run.rows, (row) => row.threshold),
      ),
    );
  });
  return {
    ...frame(
      `${metric}: value per replica against the threshold`,
      "solid: the scaler's answer divided by the replicas   dashed: the policy's threshold",
      14,
      runs.map((run) => run.policy),
    ),
    grid: { left: 64, right: 28, top: 80, bottom: 52 },
    xAxis: timeAxis(0, extent, true),
    yAxis: { type: 'log', min: QUEUE_FLOOR, logBase: 10, splitLine: { lineStyle: { color: '#e5e7eb' } } },
    series,
  };
}

/**
 * Server-side SVG rendering. The same options give the same SVG but for its class names,
 * which count the charts and styles of the process (zr0-cls-0, zr1-cls-5, ...) so that
 * several SVGs can share one page: a process that renders the same charts in the same order
 * writes the same files.
 */
export function renderSvg(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** What every chart of the report shares: a white page, the title and subtitle, the legend. */
function frame(title: string, subtitle: string, titleSize: number, legend: readonly string[]) {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: {
      text: title,
      subtext: subtitle,
      left: 12,
      top: 8,
      itemGap: 6,
      textStyle: { fontSize: titleSize, fontWeight: 'bold', color: '#111827', fontFamily: FONT },
      subtextStyle: { fontSize: 12, color: '#4b5563', fontFamily: FONT },
    },
    legend: {
      top: 10,
      right: 28,
      itemWidth: 24,
      itemHeight: 10,
      itemGap: 24,
      textStyle: { fontSize: 12, color: '#111827', fontFamily: FONT },
      data: [...legend],
    },
  };
}
