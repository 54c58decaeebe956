import { createDefaultEsmPreset } from 'ts-jest';

// Type errors are reported by `npm run typecheck`; jest only transpiles, which keeps the suite fast.
const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json', isolatedModules: true });

export default {
  ...preset,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
