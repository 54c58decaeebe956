import { jest } from '@jest/globals';
import { createLimiter, sharesOf, type Limiter } from '../../scaler/limiter.js';

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

/** One tenant; shares that let it use the whole cap. */
const T = { group: 'ns', key: 'set' };
const flat = (max: number) => ({ max, perGroup: max, perKey: max });

describe('createLimiter', () => {
  it('runs at most `max` tasks at once and the rest in arrival order', async () => {
    const limiter = createLimiter(flat(2));
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, index) =>
      limiter.run(T, Infinity, () => {
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
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd'].map((value) => ({ ok: true, value })));
    expect([limiter.active, limiter.waiting]).toEqual([0, 0]);
  });

  it('gives up on a slot at the deadline, and never runs that task', async () => {
    const limiter = createLimiter(flat(1));
    const busy = gate();
    const first = limiter.run(T, Infinity, () => busy.promise);
    const late = jest.fn(() => Promise.resolve('late'));
    const second = limiter.run(T, Date.now() + 30, late);
    expect(limiter.waiting).toBe(1);
    expect(await second).toEqual({ ok: false, problem: { reason: 'QueueTimeout', message: 'no free slot before the deadline' } });
    expect(limiter.waiting).toBe(0);

    busy.open('done');
    expect(await first).toEqual({ ok: true, value: 'done' });
    await tick();
    expect(late).not.toHaveBeenCalled();
    expect(limiter.active).toBe(0);
  });

  it('does not queue a task whose deadline has passed', async () => {
    const limiter = createLimiter(flat(1));
    const busy = gate();
    void limiter.run(T, Infinity, () => busy.promise);
    const task = jest.fn(() => Promise.resolve('x'));
    expect(await limiter.run(T, Date.now() - 1, task)).toEqual({
      ok: false,
      problem: { reason: 'QueueTimeout', message: 'no free slot before the deadline' },
    });
    expect(limiter.waiting).toBe(0);
    busy.open('done');
  });

  it('runs a task with a past deadline when a slot is free (the deadline bounds only the wait)', async () => {
    const limiter = createLimiter(flat(1));
    expect(await limiter.run(T, Date.now() - 1, () => Promise.resolve('now'))).toEqual({ ok: true, value: 'now' });
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const limiter = createLimiter(flat(1));
    const failing = gate();
    const first = limiter.run(T, Infinity, () => failing.promise);
    const second = limiter.run(T, Infinity, () => Promise.resolve('next'));
    failing.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    expect(await second).toEqual({ ok: true, value: 'next' });
    expect(limiter.active).toBe(0);
  });

  it.each([0, -1, 1.5, NaN])('refuses a cap of %p', (max) => {
    expect(() => createLimiter(max)).toThrow(/integer >= 1/);
  });

  it.each([
    { max: 4, perGroup: 5, perKey: 2 },
    { max: 4, perGroup: 2, perKey: 3 },
  ])('refuses shares that do not nest: %p', (shares) => {
    expect(() => createLimiter(shares)).toThrow(/perKey <= perGroup <= max/);
  });
});

describe('sharesOf', () => {
  it.each([
    [1, { max: 1, perGroup: 1, perKey: 1 }],
    [2, { max: 2, perGroup: 2, perKey: 1 }],
    [8, { max: 8, perGroup: 6, perKey: 4 }],
    [128, { max: 128, perGroup: 96, perKey: 64 }],
  ])('a cap of %p: half per InferenceSet, three quarters per namespace', (max, shares) => {
    expect(sharesOf(max)).toEqual(shares);
  });
});

describe('fair shares', () => {
  /** Starts `count` tasks of `tenant` that finish when their gate opens; records who started. */
  const load = (limiter: Limiter, started: string[], tenant: { group: string; key: string }, count: number, deadline = Infinity) =>
    Array.from({ length: count }, () => {
      const g = gate();
      let began = false;
      let ended = false;
      const run = limiter.run(tenant, deadline, () => {
        began = true;
        started.push(`${tenant.group}/${tenant.key}`);
        return g.promise;
      });
      const finish = () => {
        ended = true;
        g.open('done');
      };
      return { gate: g, run, finish, started: () => began, finished: () => ended };
    });

  it('an InferenceSet never holds more than its share, even with slots free and nobody else waiting', async () => {
    const limiter = createLimiter({ max: 4, perGroup: 4, perKey: 2 });
    const started: string[] = [];
    load(limiter, started, { group: 'a', key: 'hostile' }, 5);
    await tick();
    expect(started).toEqual(['a/hostile', 'a/hostile']);
    expect([limiter.active, limiter.waiting]).toEqual([2, 3]);
  });

  it('a namespace never holds more than its share, however many InferenceSets it has', async () => {
    const limiter = createLimiter({ max: 4, perGroup: 3, perKey: 2 });
    const started: string[] = [];
    for (const key of ['x', 'y', 'z']) load(limiter, started, { group: 'a', key }, 2);
    load(limiter, started, { group: 'b', key: 'healthy' }, 1);
    await tick();
    expect(started).toEqual(['a/x', 'a/x', 'a/y', 'b/healthy']);
  });

  it('a healthy InferenceSet starts at once while another holds its whole share and queues more', async () => {
    const limiter = createLimiter(sharesOf(4));
    const started: string[] = [];
    const hostile = load(limiter, started, { group: 'a', key: 'hostile' }, 10);
    const healthy = load(limiter, started, { group: 'b', key: 'healthy' }, 1);
    await tick();
    expect(started).toEqual(['a/hostile', 'a/hostile', 'b/healthy']);
    healthy[0]?.gate.open('fine');
    expect(await healthy[0]?.run).toEqual({ ok: true, value: 'fine' });
    for (const task of hostile) task.gate.open('late');
  });

  it('serves waiters round-robin across namespaces, then across InferenceSets, oldest first within one', async () => {
    const limiter = createLimiter({ max: 1, perGroup: 1, perKey: 1 });
    const started: string[] = [];
    const first = load(limiter, started, { group: 'a', key: 'x' }, 1);
    const queued = [
      ...load(limiter, started, { group: 'a', key: 'x' }, 3),
      ...load(limiter, started, { group: 'a', key: 'y' }, 1),
      ...load(limiter, started, { group: 'b', key: 'z' }, 2),
    ];
    await tick();
    expect(limiter.busiestWaiting(2)).toEqual([
      { tenant: { group: 'a', key: 'x' }, waiting: 3 },
      { tenant: { group: 'b', key: 'z' }, waiting: 2 },
    ]);
    expect(limiter.waitingTenants).toBe(3);
    // Finish whichever task runs, one at a time, and see who comes next.
    const all = [...first, ...queued];
    for (let served = 0; served < all.length; served += 1) {
      await tick();
      const running = all.filter((task) => task.started() && !task.finished());
      expect(running).toHaveLength(1);
      running[0]?.finish();
    }
    await Promise.all(all.map((task) => task.run));
    // a/x (running) -> a (x waiting, y) then b, alternating namespaces while both wait.
    expect(started).toEqual(['a/x', 'a/x', 'b/z', 'a/y', 'b/z', 'a/x', 'a/x']);
    expect([limiter.active, limiter.waiting, limiter.waitingTenants]).toEqual([0, 0, 0]);
  });

  it('a waiter that gives up leaves no state behind', async () => {
    const limiter = createLimiter({ max: 1, perGroup: 1, perKey: 1 });
    const started: string[] = [];
    const busy = load(limiter, started, { group: 'a', key: 'x' }, 1);
    const late = load(limiter, started, { group: 'b', key: 'y' }, 1, Date.now() + 20);
    expect(await late[0]?.run).toEqual({ ok: false, problem: { reason: 'QueueTimeout', message: 'no free slot before the deadline' } });
    expect([limiter.waiting, limiter.waitingTenants, limiter.busiestWaiting(5)]).toEqual([0, 0, []]);
    busy[0]?.gate.open('done');
    await busy[0]?.run;
    expect(started).toEqual(['a/x']);
  });
});
