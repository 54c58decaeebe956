import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { startReplica } from '../dev/vllm-replica.js';
import { listen } from '../lib/lifecycle.js';
import { createLogger } from '../lib/log.js';
import { filterNames } from '../scaler/extract.js';
import { createMeasurer } from '../scaler/measure.js';
import { parseTriggerMetadata } from '../scaler/metadata.js';
import { filteredUrl } from '../scaler/scrape.js';
import { percentile, summary, table } from './report.js';

/**
 * One scrape round over many replicas that each answer 20 ms late, against a
 * round over one of them: how close to "all at once" the scraper gets, under the default
 * concurrency cap and with a cap above the replica count. The replicas run in a child
 * process so that serving them does not share the scraper's event loop.
 */
const REPLICAS = 100;
const DELAY_MS = 20;
const ROUNDS = 30;

/**
 * Each replica answers with the page a simulated vLLM replica serves for the scraper's
 * filtered request, rendered once: a real replica renders on its own machine, so here the
 * rendering must not weigh on the one process serving all of them.
 */
async function serveReplicas(): Promise<void> {
  const simulated = await startReplica({ engines: 2 });
  simulated.advance(1, { waiting: 3, running: 4 });
  const query = filteredUrl('', filterNames('vllm:num_requests_waiting'));
  const body = await (await fetch(`${simulated.url}${query}`)).text();
  await simulated.close();
  const urls = await Promise.all(
    Array.from({ length: REPLICAS }, async () => {
      const server = createServer((_request, response) => {
        setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body), DELAY_MS);
      });
      return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/metrics`;
    }),
  );
  process.send?.({ urls, bytes: body.length });
}

async function rounds(urls: readonly string[], maxConcurrency: number): Promise<{ cold: number; times: number[]; value: number }> {
  const config = parseTriggerMetadata({ inferenceSetName: 'bench', inferenceSetNamespace: 'default', metricName: 'vllm:num_requests_waiting', threshold: '10' });
  if (!config.ok) throw new Error(config.problem.message);
  const measurer = createMeasurer({ registry: new Registry(), log: createLogger({ level: 'silent', format: 'json' }), maxConcurrency });
  const times: number[] = [];
  let value = NaN;
  try {
    for (let round = 0; round <= ROUNDS; round += 1) {
      const started = performance.now();
      const result = await measurer.measure(config.value, urls, Date.now() + 3000);
      times.push(performance.now() - started);
      if (!result.ok || result.value.outcomes.some((outcome) => 'missing' in outcome)) throw new Error(`round ${round} lost replicas`);
      value = result.value.value;
    }
  } finally {
    measurer.close();
  }
  const [cold = NaN, ...warm] = times;
  return { cold, times: warm.sort((a, b) => a - b), value };
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serveReplicas();
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  try {
    const { urls, bytes } = await new Promise<{ urls: string[]; bytes: number }>((resolve) => child.once('message', (message) => resolve(message as { urls: string[]; bytes: number })));
    const one = await rounds(urls.slice(0, 1), 64);
    const capped = await rounds(urls, 64);
    const uncapped = await rounds(urls, REPLICAS);
    const row = (name: string, r: { cold: number; times: number[]; value: number }) => ({
      round: name,
      'cold ms': r.cold,
      'p50 ms': percentile(r.times, 50),
      'max ms': r.times[r.times.length - 1] ?? NaN,
      value: r.value,
    });
    table(`scrape-round: replicas answering a filtered vLLM page (${bytes} bytes) ${DELAY_MS} ms late, ${ROUNDS} warm rounds each`, [
      row('1 replica (baseline)', one),
      row(`${REPLICAS} replicas, cap 64 (default)`, capped),
      row(`${REPLICAS} replicas, cap ${REPLICAS}`, uncapped),
    ]);
    // Under the default cap 100 replicas take two waves: about twice one round, plus the
    // cost of 100 exchanges on a shared machine.
    summary('scrape-round', percentile(capped.times, 50) / percentile(one.times, 50), 4, false);
  } finally {
    child.kill();
  }
}

await main();
