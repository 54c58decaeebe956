import fc from 'fast-check';
import { advanceQueue, queueSeconds, running, waiting } from '../../simulate/queue.js';

const replica = { capacity: 4, concurrency: 32 };

describe('the fluid queue of one replica', () => {
  it.each<[string, number, number, number, (q: number) => boolean]>([
    // inSystem, arrivals/s, seconds -> check
    ['settles where arrivals meet completions below a full batch', 0, 2, 3600, (q) => Math.abs(q - 16) < 1e-6], // 2 / (4 / 32)
    ['empties without arrivals', 20, 0, 3600, (q) => q < 1e-6],
    ['grows by the excess once the batch is full', 32, 6, 100, (q) => Math.abs(q - 232) < 1e-9],
    ['drains a queue at capacity minus arrivals', 132, 2, 25, (q) => Math.abs(q - 82) < 1e-9],
    ['stays put at exactly capacity with a full batch', 40, 4, 1000, (q) => q === 40],
  ])('%s', (_, inSystem, arrivals, seconds, check) => {
    expect(check(advanceQueue(inSystem, arrivals, seconds, replica))).toBe(true);
  });

  it('splits the replica into running (at most the batch) and waiting, and waiting into queue time', () => {
    expect([running(40, replica), waiting(40, replica), queueSeconds(40, replica)]).toEqual([32, 8, 2]);
    expect([running(10, replica), waiting(10, replica), queueSeconds(10, replica)]).toEqual([10, 0, 0]);
  });

  it('is exact: one long step equals many short ones, and never negative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 12, noNaN: true }),
        fc.integer({ min: 1, max: 600 }),
        (q, arrivals, seconds) => {
          const once = advanceQueue(q, arrivals, seconds, replica);
          let stepped = q;
          for (let index = 0; index < seconds; index += 1) stepped = advanceQueue(stepped, arrivals, 1, replica);
          expect(once).toBeGreaterThanOrEqual(0);
          expect(Math.abs(once - stepped)).toBeLessThanOrEqual(1e-6 * Math.max(1, once));
        },
      ),
    );
  });
});
