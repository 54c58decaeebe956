import { runInThisContext } from 'node:vm';

/**
 * Fails the suite if any promise rejection goes unhandled while it runs: in production a
 * rejection nobody handles ends the process. The listener goes on the real process object
 * (a test file's `process` is the test environment's copy, whose events never fire), and is
 * installed in `beforeAll`, after the test runner has set up its own listeners for the run.
 */
export function trapUnhandledRejections(): void {
  const real = runInThisContext('process') as NodeJS.Process;
  const seen: unknown[] = [];
  const trap = (reason: unknown) => seen.push(reason);
  beforeAll(() => {
    real.on('unhandledRejection', trap);
  });
  afterAll(() => {
    real.off('unhandledRejection', trap);
    expect(seen.map((reason) => (reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)))).toEqual([]);
  });
}
