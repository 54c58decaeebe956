import { dockerfileProblems, parseDockerfile } from './dockerfile.js';
import { find, kustomize, readRepositoryFile } from './render.js';

// No Docker engine runs the suite: the image is checked by the structure of its Dockerfile.

const dockerfile = readRepositoryFile('Dockerfile');
const packageJson = JSON.parse(readRepositoryFile('package.json')) as { version: string; bin: Record<string, string> };
const rules = { baseImage: 'node:22-bookworm-slim', entrypoint: ['node', packageJson.bin['keda-kaito-scaler'] as string] };

describe('Dockerfile', () => {
  it('builds in one stage and runs production dependencies only in another, non-root, with node dist/cli.js', () => {
    expect(rules.entrypoint).toEqual(['node', 'dist/cli.js']);
    expect(dockerfileProblems(dockerfile, rules)).toEqual([]);
  });

  it('runs as the uid the Deployment asks for', () => {
    const user = parseDockerfile(dockerfile)
      .at(-1)
      ?.instructions.filter((instruction) => instruction.keyword === 'USER')
      .at(-1)?.args;
    const pod = find(kustomize('manifests'), 'Deployment', 'keda-kaito-scaler')['spec'].template.spec;
    expect(user).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
  });

  it('is the image the manifests deploy, tagged with the package version', () => {
    const images = find(kustomize('manifests'), 'Deployment', 'keda-kaito-scaler')['spec'].template.spec.containers.map(
      (container: { image: string }) => container.image,
    );
    expect(images).toEqual([`keda-kaito-scaler:${packageJson.version}`, `keda-kaito-scaler:${packageJson.version}`]);
  });
});

describe('dockerfileProblems', () => {
  const good = [
    'FROM node:22-bookworm-slim AS build',
    'WORKDIR /app',
    'COPY package.json package-lock.json ./',
    'RUN npm ci',
    'COPY . .',
    'RUN npm run build',
    'FROM node:22-bookworm-slim AS dependencies',
    'COPY package.json package-lock.json ./',
    'RUN npm ci --omit=dev',
    'FROM node:22-bookworm-slim',
    'COPY --from=dependencies /app/node_modules ./node_modules',
    'COPY --from=build /app/dist ./dist',
    'COPY package.json ./',
    'USER 1000:1000',
    'ENTRYPOINT ["node", "dist/cli.js"]',
  ];
  const edit = (from: string, to: string | undefined) => {
    const index = good.lastIndexOf(from);
    if (index < 0) throw new Error(`no line ${from}`);
    const lines = [...good];
    if (to === undefined) lines.splice(index, 1);
    else lines[index] = to;
    return lines.join('\n');
  };

  it('accepts the minimal good form, with continuation lines and comments', () => {
    expect(dockerfileProblems(good.join('\n'), rules)).toEqual([]);
    const continued = good.join('\n').replace('RUN npm ci --omit=dev', '# production only\nRUN npm ci \\\n  --omit=dev \\\n  --no-audit');
    expect(dockerfileProblems(continued, rules)).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['no USER', edit('USER 1000:1000', undefined), /runs as root: no USER/],
    ['USER root', edit('USER 1000:1000', 'USER root'), /USER root is not numeric/],
    ['USER 0', edit('USER 1000:1000', 'USER 0'), /USER is root/],
    ['USER node', edit('USER 1000:1000', 'USER node'), /USER node is not numeric/],
    ['a shell-form ENTRYPOINT', edit('ENTRYPOINT ["node", "dist/cli.js"]', 'ENTRYPOINT node dist/cli.js'), /shell form/],
    [
      'another ENTRYPOINT',
      edit('ENTRYPOINT ["node", "dist/cli.js"]', 'ENTRYPOINT ["node", "cli.js"]'),
      /ENTRYPOINT is \["node","cli.js"\]/,
    ],
    ['no ENTRYPOINT', edit('ENTRYPOINT ["node", "dist/cli.js"]', 'CMD ["node", "dist/cli.js"]'), /no ENTRYPOINT/],
    ['a shell-form CMD', `${good.join('\n')}\nCMD hooks`, /CMD hooks is shell form/],
    [
      'node_modules of the build stage',
      edit('COPY --from=dependencies /app/node_modules ./node_modules', 'COPY --from=build /app/node_modules ./node_modules'),
      /node_modules come from stage build/,
    ],
    ['a dependency stage with dev dependencies', edit('RUN npm ci --omit=dev', 'RUN npm ci'), /node_modules come from stage dependencies/],
    ['the build context in the image', edit('COPY --from=build /app/dist ./dist', 'COPY . .'), /whole build context/],
    [
      'an install of everything in the final stage',
      edit('USER 1000:1000', 'RUN npm ci\nUSER 1000:1000'),
      /installs development dependencies/,
    ],
    ['a build in the final stage', edit('USER 1000:1000', 'RUN npm run build\nUSER 1000:1000'), /the final stage builds/],
    ['another base image', edit('FROM node:22-bookworm-slim', 'FROM node:20-alpine'), /starts from node:20-alpine/],
    [
      'a single stage',
      'FROM node:22-bookworm-slim\nCOPY . .\nRUN npm ci && npm run build\nUSER 1000\nENTRYPOINT ["node", "dist/cli.js"]',
      /not multi-stage/,
    ],
    ['no build', edit('RUN npm run build', undefined), /no stage runs `npm ci` and `npm run build`/],
    ['no package.json in the image', edit('COPY package.json ./', undefined), /no package.json/],
  ])('catches %s', (_name, text, problem) => {
    expect(dockerfileProblems(text, rules).join('\n')).toMatch(problem);
  });

  it('allows a production-only install in the final stage', () => {
    const text = edit('COPY --from=dependencies /app/node_modules ./node_modules', 'RUN npm ci --omit=dev');
    expect(dockerfileProblems(text, rules)).toEqual([]);
  });

  it('accepts stages built on earlier stages', () => {
    const text = good.join('\n').replace('FROM node:22-bookworm-slim AS dependencies', 'FROM build AS dependencies');
    expect(dockerfileProblems(text, rules)).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const patterns = readRepositoryFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  // Top-level patterns only (which is all this file has): Docker matches them against the context root.
  const ignored = (path: string) =>
    patterns.some((pattern) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}(/|$)`,
      ).test(path),
    );

  it.each(['node_modules', 'dist', '.dev', 'test', 'bench', '.git', 'coverage'])('keeps %s out of the build context', (path) => {
    expect(ignored(path)).toBe(true);
  });

  it('keeps in everything `npm ci` and `npm run build` read', () => {
    const build = JSON.parse(readRepositoryFile('tsconfig.build.json')) as { extends: string; include: string[] };
    const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', build.extends.replace(/^\.\//, ''), ...build.include];
    expect(needed.filter(ignored)).toEqual([]);
  });

  it('has no negations this test would misread', () => {
    expect(patterns.filter((pattern) => pattern.startsWith('!') || pattern.includes('/'))).toEqual([]);
  });
});
