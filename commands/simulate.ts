import { mkdir, writeFile } from 'node:fs/promises';
import { overTargetMeaning, prepare, readText, rehearse, renderOutputs } from '../simulate/rehearsal.js';
import { join } from 'node:path';
import type { CommandModule } from './command.js';
import { simulateCommand, type SimulateOptions } from '../schemas/simulate-options.js';
import { summaryTable } from '../simulate/outputs.js';
import { createProgress } from '../simulate/progress.js';

const simulate: CommandModule<SimulateOptions> = {
  command: simulateCommand,
  async run(options) {
    const prepared = await prepare(options, readText);
    if (!prepared.ok) {
      console.error(`keda-kaito-scaler simulate: ${prepared.problem.reason}: ${prepared.problem.message}`);
      return 1;
    }
    const progress = createProgress(process.stderr, prepared.value.policies.length * prepared.value.scenario.duration, 'simulating');
    const runs = rehearse(prepared.value, (done) => progress.update(done));
    progress.finish();
    await mkdir(options.out, { recursive: true });
    for (const [name, content] of Object.entries(renderOutputs(prepared.value, runs))) await writeFile(join(options.out, name), content);
    console.log(summaryTable(runs));
    console.log(`\nover target: ${overTargetMeaning(prepared.value.scenario)}`);
    console.log(`report: ${join(options.out, 'report.html')}`);
    return 0;
  },
};

export default simulate;
