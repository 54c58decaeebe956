import { deadlineFor } from '../../scaler/rpc-handlers.js';

describe('deadlineFor: the call deadline, else a default from now', () => {
  const now = 1_000_000;
  const cases: Array<[string, Date | number, number]> = [
    ['a Date', new Date(now + 2500), now + 2500],
    ['epoch ms', now + 700, now + 700],
    ['none (Infinity)', Infinity, now + 3000],
    ['already past', now - 5, now - 5],
  ];
  it.each(cases)('%s', (_name, deadline, expected) => {
    expect(deadlineFor(deadline, now, 3000)).toBe(expected);
  });
});
