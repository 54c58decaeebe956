import { readFile } from 'node:fs/promises';
import { fail, ok, type Result } from '../lib/result.js';
import { hooksCommand } from '../schemas/hooks-options.js';
import { durationSeconds, type SimulateOptions } from '../schemas/simulate-options.js';
import { metricOption, renderSvg, replicasOption, type ChartContext } from './chart.js';
import { parseTrace, shapeLoad, SHAPES, type Load, type Shape } from './load.js';
import { summaryDocument, timelineCsv } from './outputs.js';
import { readPolicy, type Policy } from './policy.js';
import { svgToPng } from './png.js';
import { parseRecording } from './replay.js';
import { reportHtml } from './report.js';
import { checkSource, simulatePolicy, type PolicyRun, type Scenario, type Source } from './run.js';

/** The HPA's sync period (kube-controller-manager --horizontal-pod-autoscaler-sync-period). */
const SYNC_SECONDS = 15;
const PLOT = { width: 1100, height: 620 } as const;

export interface Rehearsal {
  readonly policies: readonly Policy[];
  readonly scenario: Scenario;
  /** Lines describing the run, for the report. */
  readonly settings: readonly string[];
}

/** What a file read returns: its text, or why it could not be read. */
export type ReadText = (file: string) => Promise<Result<string>>;

export const readText: ReadText = async (file) => {
  try {
    return ok(await readFile(file, 'utf8'));
  } catch (error) {
    return fail('CannotRead', `cannot read ${file}: ${(error as Error).message}`);
  }
};

/** Policies and scenario from the options; every problem names the file or option at fault. */
export async function prepare(options: SimulateOptions, read: ReadText): Promise<Result<Rehearsal>> {
  const render = hooksCommand.validate({});
  if (!render.ok) return render;
  const policies: Policy[] = [];
  for (const file of options.policy) {
    const text = await read(file);
    if (!text.ok) return text;
    const policy = readPolicy(text.value, file, render.value);
    if (!policy.ok) return fail(policy.problem.reason, `policy ${file}: ${policy.problem.message}`);
    const twin = policies.find((other) => other.name === policy.value.name);
    if (twin)
      return fail(
        'DuplicatePolicyName',
        `policy ${file} is named ${twin.name} like another one: policies are told apart by their InferenceSet's name`,
      );
    policies.push(policy.value);
  }

  if (options.load !== undefined && options.replay !== undefined) {
    return fail('ConflictingOptions', '--load and --replay exclude each other: a closed loop on a load, or an open loop on a recording');
  }
  let source: Source;
  let length: number;
  const settings: string[] = [];
  if (options.replay !== undefined) {
    const text = await read(options.replay);
    if (!text.ok) return text;
    const recording = parseRecording(text.value, options.replay, options.replayInferenceSet);
    if (!recording.ok) return recording;
    source = { kind: 'replay', name: recording.value.name, records: recording.value.records };
    length = recording.value.duration;
    settings.push(`replay of ${recording.value.name} from ${options.replay} (${recording.value.records.length} measurements; open loop)`);
  } else {
    const peak = options.peak ?? 3.5 * options.capacity;
    const shape = options.load ?? 'step';
    let load: Load;
    if ((SHAPES as readonly string[]).includes(shape)) {
      load = shapeLoad(shape as Shape, peak);
      settings.push(`load: ${shape}, peak ${peak} requests/s`);
    } else {
      const text = await read(shape);
      if (!text.ok) return text;
      const trace = parseTrace(text.value, shape);
      if (!trace.ok) return trace;
      load = trace.value;
      settings.push(`load: trace ${shape}`);
    }
    source = { kind: 'load', load };
    length = load.duration;
    settings.push(
      `each replica: ${options.capacity} requests/s with ${options.concurrency} running at once; SLO: queue time <= ${options.slo}`,
    );
  }
  for (const policy of policies) {
    const modelled = checkSource(policy, source);
    if (!modelled.ok) return modelled;
  }
  const duration = options.duration === undefined ? length : durationSeconds(options.duration);
  if (!(duration >= SYNC_SECONDS))
    return fail('InvalidOption', `the run lasts ${duration} s: it needs at least one HPA sync (${SYNC_SECONDS} s)`);
  settings.push(
    `${(duration / 3600).toFixed(1)} h in HPA syncs of ${SYNC_SECONDS} s; new replicas serve after ${options.startup}` +
      (options.failureRate > 0 ? `; ${options.failureRate} failures per replica-hour (seed ${options.seed})` : ''),
  );
  return ok({
    policies,
    settings,
    scenario: {
      source,
      duration,
      syncSeconds: SYNC_SECONDS,
      pool: {
        capacity: options.capacity,
        concurrency: options.concurrency,
        startupSeconds: durationSeconds(options.startup),
        failuresPerHour: options.failureRate,
      },
      sloSeconds: durationSeconds(options.slo),
      seed: options.seed,
    },
  });
}

export function overTargetMeaning(scenario: Scenario): string {
  return scenario.source.kind === 'load'
    ? `seconds with a queue time above the SLO (${scenario.sloSeconds} s)`
    : "seconds with the recorded value per replica above the policy's threshold";
}

/** The files of `--out`, by name. */
export function renderOutputs(rehearsal: Rehearsal, runs: readonly PolicyRun[]): Record<string, string | Buffer> {
  const { scenario } = rehearsal;
  const closed = scenario.source.kind === 'load';
  const names = runs.map((run) => run.policy).join(' vs ');
  const context: ChartContext = {
    title: `Replicas under ${closed ? 'the load' : 'the replayed recording'}: ${names}`,
    capacity: closed ? scenario.pool.capacity : undefined,
    sloSeconds: closed ? scenario.sloSeconds : undefined,
  };
  const main = renderSvg(replicasOption(runs, context, scenario.duration), PLOT.width, PLOT.height);
  const metrics = [...new Set(rehearsal.policies.map((policy) => policy.trigger.metricName))];
  const metric = renderSvg(metricOption(runs, metrics.join(', '), scenario.duration), PLOT.width, 360);
  const overTarget = overTargetMeaning(scenario);
  return {
    'replicas.svg': main,
    'replicas.png': svgToPng(main),
    'timeline.csv': timelineCsv(runs),
    'summary.json': `${JSON.stringify(summaryDocument(runs, overTarget), null, 2)}\n`,
    'report.html': reportHtml({ title: `Rehearsal: ${names}`, settings: rehearsal.settings, overTarget, runs, plots: [main, metric] }),
  };
}

export function rehearse(rehearsal: Rehearsal, onProgress?: (done: number) => void): PolicyRun[] {
  const { policies, scenario } = rehearsal;
  return policies.map((policy, index) =>
    simulatePolicy(policy, scenario, onProgress && ((seconds) => onProgress(index * scenario.duration + seconds))),
  );
}
