import { createDefaultEsmPreset } from 'ts-jest';

// tsconfig's isolatedModules makes ts-jest transpile only; `npm run typecheck` reports type errors.
const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' });

export default {
  ...preset,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // The end-to-end suite needs Go programs built first: `npm run e2e`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
