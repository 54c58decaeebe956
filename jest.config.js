import { createDefaultEsmPreset } from 'ts-jest';

// tsconfig's isolatedModules makes ts-jest transpile only; `npm run typecheck` reports type errors.
const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' });

export default {
  ...preset,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
