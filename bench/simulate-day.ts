import { performance } from 'node:perf_hooks';
import { simulateCommand } from '../schemas/simulate-options.js';
import { prepare, readText, rehearse, renderOutputs, type Rehearsal } from '../simulate/rehearsal.js';
import { advancePool, startingPool } from '../simulate/replicas.js';
import { atMost, median, spread, summary, table } from './support/report.js';

/**
 * `simulate` on a day (24 h of the diurnal load, 5,760 HPA syncs of 15 s) for the two
 * example policies: the whole rehearsal (hooks rendering, the scaler's aggregation, the
 * emulated HPA, the replicas' queues second by second) against a baseline of the load
 * model alone (the same day's queues for the same number of replica-seconds, no control
 * loop), in alternating turns.
 *
 * Targets: the rehearsal of a day for two policies in < 5 s; at most 8x the load model alone
 * (what the control loop and its bookkeeping may add to the physics).
 */
const TURNS = 5;

function loadModelOnly(rehearsal: Rehearsal, replicaSeconds: number): void {
  const { scenario } = rehearsal;
  if (scenario.source.kind !== 'load') throw new Error('the benchmark runs a load');
  const replicas = Math.max(1, Math.round(replicaSeconds / scenario.duration));
  let pool = startingPool(replicas, scenario.seed);
  for (let now = 0; now < scenario.duration; now += 1) pool = advancePool(pool, now, 1, scenario.source.load.rateAt(now), scenario.pool);
}

const options = simulateCommand.validate({
  policy: ['examples/policies/conservative.yaml', 'examples/policies/running.yaml'],
  load: 'diurnal',
  out: 'unused',
});
if (!options.ok) throw new Error(options.problem.message);
const prepared = await prepare(options.value, readText);
if (!prepared.ok) throw new Error(prepared.problem.message);
const rehearsal = prepared.value;

const simulated: number[] = [];
const baseline: number[] = [];
const rendered: number[] = [];
const ratios: number[] = [];
let syncs = 0;
for (let turn = 0; turn < TURNS; turn += 1) {
  let started = performance.now();
  const runs = rehearse(rehearsal);
  const simulation = (performance.now() - started) / 1000;
  syncs = runs.reduce((total, run) => total + run.rows.length, 0);

  started = performance.now();
  for (const run of runs) loadModelOnly(rehearsal, run.summary.gpuHours * 3600);
  const model = (performance.now() - started) / 1000;

  started = performance.now();
  renderOutputs(rehearsal, runs);
  rendered.push((performance.now() - started) / 1000);

  simulated.push(simulation);
  baseline.push(model);
  ratios.push(simulation / model);
}

table(`a day of the diurnal load for 2 policies (${syncs} HPA syncs in all), ${TURNS} turns`, [
  { what: 'rehearsal (s)', value: spread(simulated) },
  { what: 'load model alone (s)', value: spread(baseline) },
  { what: 'outputs: SVG, PNG, HTML, CSV (s)', value: spread(rendered) },
  { what: 'rehearsal / load model', value: spread(ratios) },
]);
const met = summary('simulate-day', atMost('rehearsal seconds over the load model alone', median(ratios), 8), [
  atMost('seconds to rehearse a day of two policies', median(simulated), 5),
]);
process.exit(met ? 0 : 1);
