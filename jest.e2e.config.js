import base from './jest.config.js';

// The end-to-end suite (`npm run e2e`): real KEDA code and a real API server, built by test/e2e/build.sh.
export default {
  ...base,
  roots: ['<rootDir>/test/e2e'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
