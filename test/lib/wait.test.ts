import { within } from '../../lib/wait.js';

describe('within', () => {
  it('waits for a promise, or gives up after its bound', async () => {
    let settled = false;
    await within(
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => (settled = true)),
      60_000,
    );
    expect(settled).toBe(true);
    const started = Date.now();
    await within(new Promise(() => {}), 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    await within(Promise.reject(new Error('ignored')), 60_000);
  });

  it.each([0, -1, -Infinity, Number.NaN])('returns at once for a bound of %p', async (ms) => {
    let settled = false;
    const late = new Promise((resolve) => setTimeout(resolve, 20)).then(() => (settled = true));
    await within(late, ms);
    expect(settled).toBe(false);
    await late;
  });

  it('waits as long as it takes for an infinite bound', async () => {
    let settled = false;
    await within(
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => (settled = true)),
      Infinity,
    );
    expect(settled).toBe(true);
    await within(Promise.reject(new Error('ignored')), Infinity);
  });
});
