/**
 * Waits for `promise` to settle, at most `ms`; the timer is dropped as soon as it does.
 * Returns at once when `ms` is not positive, and waits as long as it takes when it is infinite.
 * Never rejects.
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  if (!(ms > 0)) return;
  const settled = promise.then(
    () => undefined,
    () => undefined,
  );
  if (ms === Infinity) return settled;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([settled, expiry]);
  clearTimeout(timer);
}
