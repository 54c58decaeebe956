/**
 * Reads a Dockerfile well enough to check its structure without building it (no Docker
 * engine runs the test suite): stages, their instructions, and the rules of the image.
 */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Array<{ image: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.replace(/--platform=\S+\s*/, '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `["node", "dist/cli.js"]` -> that array; shell form -> undefined. */
export function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export interface ImageRules {
  readonly baseImage: string;
  readonly entrypoint: readonly string[];
}

const runs = (stage: Stage, pattern: RegExp) => stage.instructions.some((i) => i.keyword === 'RUN' && pattern.test(i.args));
const installsProductionOnly = (stage: Stage) => runs(stage, /npm (ci|install|prune)\b[^&;|]*--(omit=dev|production)\b/);

export function dockerfileProblems(text: string, rules: ImageRules): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) problems.push('not multi-stage: the build tools must stay out of the image');
  for (const stage of stages) {
    const isStage = stages.some((other) => other.name !== undefined && other.name === stage.image);
    if (!isStage && stage.image !== rules.baseImage)
      problems.push(`stage ${stage.name ?? '?'} starts from ${stage.image}, not ${rules.baseImage}`);
  }
  if (!stages.some((stage) => runs(stage, /npm ci\b/) && runs(stage, /npm run build\b/))) {
    problems.push('no stage runs `npm ci` and `npm run build`');
  }

  const final = stages[stages.length - 1];
  if (!final) return ['no FROM'];
  const of = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);

  const user = of('USER').at(-1)?.args;
  const uid = user?.split(':')[0];
  if (user === undefined) problems.push('the image runs as root: no USER');
  else if (!/^\d+$/.test(uid ?? '')) problems.push(`USER ${user} is not numeric: Kubernetes cannot check runAsNonRoot against a name`);
  else if (Number(uid) === 0) problems.push('USER is root (uid 0)');

  const entrypoints = of('ENTRYPOINT');
  const entrypoint = entrypoints.at(-1);
  if (!entrypoint) problems.push('no ENTRYPOINT');
  else {
    const form = execForm(entrypoint.args);
    if (!form) problems.push(`ENTRYPOINT ${entrypoint.args} is shell form: signals would reach a shell, not node`);
    else if (JSON.stringify(form) !== JSON.stringify(rules.entrypoint)) {
      problems.push(`ENTRYPOINT is ${JSON.stringify(form)}, want ${JSON.stringify(rules.entrypoint)}`);
    }
  }
  for (const cmd of of('CMD')) {
    if (!execForm(cmd.args)) problems.push(`CMD ${cmd.args} is shell form`);
  }

  if (runs(final, /npm (ci|install)\b/) && !installsProductionOnly(final))
    problems.push('the final stage installs development dependencies');
  if (runs(final, /npm run build\b/)) problems.push('the final stage builds: its tools would stay in the image');
  // "type": "module" in package.json is what makes node load dist/*.js as ES modules.
  if (!of('COPY').some((copy) => /(^|\s)(\S*\/)?package\.json\s/.test(`${copy.args} `))) {
    problems.push('the final stage has no package.json: node would not load dist/*.js as ES modules');
  }
  for (const copy of of('COPY')) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1];
    if (from === undefined) {
      const sources = copy.args
        .split(/\s+/)
        .filter((word) => !word.startsWith('--'))
        .slice(0, -1);
      if (sources.some((source) => source === '.' || source === './'))
        problems.push(`COPY ${copy.args} puts the whole build context in the image`);
      continue;
    }
    if (!/node_modules/.test(copy.args)) continue;
    const source = stages.find((stage) => stage.name === from);
    if (!source || !installsProductionOnly(source)) {
      problems.push(`node_modules come from stage ${from}, which does not install production dependencies only`);
    }
  }
  return problems;
}
