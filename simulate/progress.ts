/** A one-line progress bar on a terminal; nothing at all elsewhere (pipes, CI logs). */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

const WIDTH = 30;

export function createProgress(stream: NodeJS.WriteStream, total: number, label: string): Progress {
  if (!stream.isTTY || total <= 0) return { update() {}, finish() {} };
  let shown = -1;
  const draw = (done: number) => {
    const fraction = Math.min(1, done / total);
    const percent = Math.floor(fraction * 100);
    if (percent === shown) return;
    shown = percent;
    const filled = Math.round(fraction * WIDTH);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}%`);
  };
  return {
    update: draw,
    finish() {
      draw(total);
      stream.write('\n');
    },
  };
}
