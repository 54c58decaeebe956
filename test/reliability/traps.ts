/**
 * Collects unhandled promise rejections while a suite runs: a rejection nobody handles is a
 * crash in production (Node exits on one), so a suite that produced any fails.
 */
export function trapUnhandledRejections(): { assertNone(): void } {
  const seen: unknown[] = [];
  const trap = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', trap);
  return {
    assertNone() {
      process.off('unhandledRejection', trap);
      expect(seen.map((reason) => (reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)))).toEqual([]);
    },
  };
}
