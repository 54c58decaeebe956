import { jest } from '@jest/globals';
import { createLimiter } from '../../scaler/limiter.js';

interface Gate {
  readonly promise: Promise<string>;
  open(value: string): void;
  fail(error: Error): void;
}

function gate(): Gate {
  let open!: (value: string) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<string>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('runs at most `max` tasks at once and the rest in arrival order', async () => {
    const limiter = createLimiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, index) =>
      limiter.run(Infinity, () => {
        started.push(index);
        return g.promise;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.waiting]).toEqual([2, 2]);

    gates[1]?.open('b');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open('a');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    expect([limiter.active, limiter.waiting]).toEqual([2, 0]);

    gates[2]?.open('c');
    gates[3]?.open('d');
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd'].map((value) => ({ ran: true, value })));
    expect([limiter.active, limiter.waiting]).toEqual([0, 0]);
  });

  it('gives up on a slot at the deadline, and never runs that task', async () => {
    const limiter = createLimiter(1);
    const busy = gate();
    const first = limiter.run(Infinity, () => busy.promise);
    const late = jest.fn(() => Promise.resolve('late'));
    const second = limiter.run(Date.now() + 30, late);
    expect(limiter.waiting).toBe(1);
    expect(await second).toEqual({ ran: false });
    expect(limiter.waiting).toBe(0);

    busy.open('done');
    expect(await first).toEqual({ ran: true, value: 'done' });
    await tick();
    expect(late).not.toHaveBeenCalled();
    expect(limiter.active).toBe(0);
  });

  it('does not queue a task whose deadline has passed', async () => {
    const limiter = createLimiter(1);
    const busy = gate();
    void limiter.run(Infinity, () => busy.promise);
    const task = jest.fn(() => Promise.resolve('x'));
    expect(await limiter.run(Date.now() - 1, task)).toEqual({ ran: false });
    expect(limiter.waiting).toBe(0);
    busy.open('done');
  });

  it('runs a task with a past deadline when a slot is free (the deadline bounds only the wait)', async () => {
    const limiter = createLimiter(1);
    expect(await limiter.run(Date.now() - 1, () => Promise.resolve('now'))).toEqual({ ran: true, value: 'now' });
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const limiter = createLimiter(1);
    const failing = gate();
    const first = limiter.run(Infinity, () => failing.promise);
    const second = limiter.run(Infinity, () => Promise.resolve('next'));
    failing.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    expect(await second).toEqual({ ran: true, value: 'next' });
    expect(limiter.active).toBe(0);
  });

  it.each([0, -1, 1.5, NaN])('refuses a cap of %p', (max) => {
    expect(() => createLimiter(max)).toThrow(/integer >= 1/);
  });
});
