import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watchDirectory } from '../../scaler/watch.js';
import { eventually, tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchDirectory', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('watch');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('a burst of changes (a Secret swap is several) runs onChange once, after the quiet time', async () => {
    let runs = 0;
    const watch = watchDirectory(dir.path, async () => void runs++, { debounceMs: 200, pollMs: 60_000 });
    try {
      for (const name of ['a', 'b', 'c', 'd', 'e']) await writeFile(join(dir.path, name), name);
      await eventually('the change to be seen', () => runs > 0);
      await sleep(400);
      expect(runs).toBe(1);
    } finally {
      watch.close();
    }
  });

  it('never runs onChange twice at once; a change during a run makes it run again', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const watch = watchDirectory(
      dir.path,
      async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        await sleep(150);
        running--;
      },
      { debounceMs: 10, pollMs: 60_000 },
    );
    try {
      await writeFile(join(dir.path, 'a'), '1');
      await eventually('the first run', () => running === 1);
      await writeFile(join(dir.path, 'a'), '2');
      await sleep(50);
      await writeFile(join(dir.path, 'a'), '3');
      await eventually('a run after the first', () => runs >= 2 && running === 0);
      expect(most).toBe(1);
    } finally {
      watch.close();
    }
  });

  it('a folder that does not exist yet is polled every second until it appears', async () => {
    const later = join(dir.path, 'later');
    let runs = 0;
    const watch = watchDirectory(later, async () => void runs++, { debounceMs: 10, pollMs: 60_000 });
    try {
      await eventually('a poll', () => runs > 0, 5000);
      await mkdir(later);
      const before = runs;
      await sleep(1500); // the next poll attaches the watch
      await writeFile(join(later, 'tls.crt'), 'x');
      await eventually('the change in the new folder', () => runs > before + 1, 5000);
    } finally {
      watch.close();
    }
  });

  it('reports a failing onChange and keeps watching', async () => {
    const errors: string[] = [];
    let runs = 0;
    const watch = watchDirectory(
      dir.path,
      async () => {
        runs++;
        if (runs === 1) throw new Error('boom');
      },
      { debounceMs: 10, pollMs: 60_000, onError: (error) => errors.push(error.message) },
    );
    try {
      await writeFile(join(dir.path, 'a'), '1');
      await eventually('the failing run', () => errors.length === 1);
      await writeFile(join(dir.path, 'a'), '2');
      await eventually('the next run', () => runs >= 2);
      expect(errors).toEqual(['boom']);
    } finally {
      watch.close();
    }
  });

  it('runs nothing after close', async () => {
    let runs = 0;
    const watch = watchDirectory(dir.path, async () => void runs++, { debounceMs: 10, pollMs: 50 });
    watch.close();
    await writeFile(join(dir.path, 'a'), '1');
    await sleep(200);
    expect(runs).toBe(0);
  });
});
