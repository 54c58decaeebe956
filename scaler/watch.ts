import { watch, type FSWatcher } from 'node:fs';

const UNWATCHED_POLL_MS = 1000;

export interface DirectoryWatch {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs: a Secret swap is several events. */
  readonly debounceMs: number;
  /**
   * `onChange` also runs this often, in case a change produced no event (some volume
   * types). While the folder cannot be watched (it does not exist yet), it runs every
   * second at most.
   */
  readonly pollMs: number;
  readonly onError?: (error: Error) => void;
}

/**
 * Calls `onChange` after something in `dir` changed. Watches the folder, not the files:
 * kubelet updates a mounted Secret or ConfigMap by swapping its `..data` symlink, so the
 * files' own inodes never change. `onChange` never runs twice at once; a change seen while
 * it runs makes it run once more afterwards. It must be idempotent (compare contents).
 */
export function watchDirectory(dir: string, onChange: () => Promise<void>, options: WatchOptions): DirectoryWatch {
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const run = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await onChange().catch((error: unknown) => options.onError?.(error as Error));
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void run(), options.debounceMs);
    debounce.unref();
  };

  const attach = () => {
    if (watcher || closed) return;
    try {
      watcher = watch(dir, { persistent: false }, schedule);
      watcher.on('error', () => {
        // The folder went away (or the watch broke): the poll re-attaches when it is back.
        watcher?.close();
        watcher = undefined;
        schedule();
      });
    } catch {
      watcher = undefined;
    }
  };

  let poll: NodeJS.Timeout | undefined;
  const tick = () => {
    attach();
    poll = setTimeout(
      () => {
        tick();
        void run();
      },
      watcher ? options.pollMs : Math.min(options.pollMs, UNWATCHED_POLL_MS),
    );
    poll.unref();
  };
  tick();

  return {
    close() {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(poll);
      watcher?.close();
      watcher = undefined;
    },
  };
}
