import { Agent, request } from 'node:http';
import { percentile } from './report.js';

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Keeps `concurrency` requests in flight against one URL for `durationMs` (after a warm-up
 * that is not counted) over keep-alive connections, like a busy Metacontroller would.
 */
export async function drive(options: {
  readonly url: string;
  readonly body: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs?: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const body = Buffer.from(options.body);
  const once = () =>
    new Promise<boolean>((resolve) => {
      const call = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode === 200));
        },
      );
      call.on('error', () => resolve(false));
      call.end(body);
    });

  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + durationMs;
    const worker = async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const ok = await once();
        if (record) latencies.push(performance.now() - started);
        if (!ok) errors++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return { latencies, errors, seconds: (performance.now() - started) / 1000 };
  };

  await run(options.warmupMs ?? 1000, false);
  const { latencies, errors, seconds } = await run(options.durationMs, true);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
