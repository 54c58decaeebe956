import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Registry } from 'prom-client';
import { createApp } from '../hooks/app.js';
import { listen } from '../lib/lifecycle.js';
import { createLogger } from '../lib/log.js';
import { hooksCommand } from '../schemas/hooks-options.js';
import { drive, type LoadResult } from './support/http-load.js';
import { canPin, firstMessage, forkPinned, pinSelf } from './support/processes.js';
import { atLeast, atMost, median, spread, summary, table } from './support/report.js';

/**
 * POST /sync with a realistic 8 KB InferenceSet (managedFields included) under concurrent
 * load, against a bare Express JSON echo served the same way: what the hook's decisions
 * cost on top of Express itself. Each server runs alone in a child process pinned to core
 * 0, the load comes from this process on core 1; the two are driven in turns, and each
 * ratio compares a pair of neighbouring turns.
 *
 * Targets, both against the echo measured in the neighbouring turn (an absolute time is no
 * target on a shared machine): /sync >= 0.5x the echo's requests/s, and /sync's p99 at most
 * 2x the echo's p99 (with a fixed number of requests in flight, latency is the inverse of
 * throughput, so 2x is the same bound seen from the client).
 */
// Metacontroller calls a controller's hook from its sync workers, 5 by default (--workers):
// the most requests for InferenceSets at once, all on one hooks replica in the worst case.
const CONCURRENCY = 5;
const TURNS = 3;
const TURN_MS = 2500;

/** The example sync request, with managedFields like a real object's, about 8 KB in all. */
function realisticSyncRequest(): string {
  const request = JSON.parse(readFileSync(new URL('../../examples/sync-decorator.json', import.meta.url), 'utf8'));
  const managers = ['kubectl-client-side-apply', 'kaito-controller', 'metacontroller', 'kubectl-annotate'];
  const managedFields = [];
  for (let index = 0; JSON.stringify({ ...request, managedFields }).length < 8 * 1024; index++) {
    managedFields.push({
      manager: managers[index % managers.length],
      operation: 'Update',
      apiVersion: 'kaito.sh/v1beta1',
      time: '2026-11-27T09:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, [`f:example.com/key-${index}`]: {} } }, 'f:spec': { 'f:replicas': {} } },
    });
  }
  request.object.metadata.managedFields = managedFields;
  return JSON.stringify(request);
}

async function serve(mode: string): Promise<number> {
  const log = createLogger({ level: 'silent', format: 'json' });
  let app: express.Express;
  if (mode === 'sync') {
    const defaults = hooksCommand.validate({});
    if (!defaults.ok) throw new Error(defaults.problem.message);
    app = createApp({ config: defaults.value, log, registry: new Registry() });
  } else {
    app = express();
    app.post('/sync', express.json({ limit: 16 * 1024 * 1024, type: () => true }), (request, response) => {
      response.json(request.body);
    });
  }
  return listen(createServer(app), 0, '127.0.0.1');
}

async function startServer(mode: 'sync' | 'echo') {
  const child = forkPinned(fileURLToPath(import.meta.url), ['--serve', mode], 0);
  const port = await firstMessage(child, (message): message is number => typeof message === 'number');
  return { url: `http://127.0.0.1:${port}/sync`, stop: () => child.kill() };
}

/** The answer to one request, to be sure the load measures a hook that works. */
async function answerOf(url: string, body: string): Promise<{ status: number; kinds: string[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = (await response.json()) as { attachments?: Array<{ kind?: string }> };
  return { status: response.status, kinds: (answer.attachments ?? []).map((object) => object.kind ?? '') };
}

async function main(): Promise<void> {
  const serveIndex = process.argv.indexOf('--serve');
  if (serveIndex >= 0) {
    const port = await serve(process.argv[serveIndex + 1] ?? 'sync');
    process.send?.(port);
    process.on('disconnect', () => process.exit(0));
    return;
  }
  const pinnedHere = pinSelf(1);
  const body = realisticSyncRequest();
  const echo = await startServer('echo');
  const sync = await startServer('sync');
  const turns: Array<{ echo: LoadResult; sync: LoadResult }> = [];
  try {
    const answer = await answerOf(sync.url, body);
    if (answer.status !== 200 || !answer.kinds.includes('ScaledObject'))
      throw new Error(`/sync answered ${answer.status} with ${JSON.stringify(answer.kinds)}`);
    for (let turn = 0; turn < TURNS; turn += 1) {
      const warmupMs = turn === 0 ? 1000 : 300;
      turns.push({
        echo: await drive({ url: echo.url, body, concurrency: CONCURRENCY, durationMs: TURN_MS, warmupMs }),
        sync: await drive({ url: sync.url, body, concurrency: CONCURRENCY, durationMs: TURN_MS, warmupMs }),
      });
    }
  } finally {
    echo.stop();
    sync.stop();
  }

  const row = (server: string, results: readonly LoadResult[]) => ({
    server,
    'req/s': spread(results.map((result) => result.perSecond)),
    'p50 ms': spread(results.map((result) => result.p50Ms)),
    'p99 ms': spread(results.map((result) => result.p99Ms)),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
  });
  const where = canPin ? `servers on core 0, load on core ${pinnedHere ? 1 : 'any'}` : 'processes not pinned';
  table(
    `hooks-throughput: POST /sync, ${(body.length / 1024).toFixed(1)} KB body, ${CONCURRENCY} concurrent, ${TURNS} turns of ${TURN_MS / 1000} s each, ${where}; median (min-max) over turns`,
    [
      row(
        'express JSON echo (baseline)',
        turns.map((turn) => turn.echo),
      ),
      row(
        'hooks /sync',
        turns.map((turn) => turn.sync),
      ),
    ],
  );
  const perTurn = (ratio: (turn: { echo: LoadResult; sync: LoadResult }) => number) => median(turns.map(ratio));
  summary(
    'hooks-throughput',
    atLeast(
      'requests/s, /sync / echo (median over turns)',
      perTurn((turn) => turn.sync.perSecond / turn.echo.perSecond),
      0.5,
    ),
    [
      atMost(
        'p99 latency, /sync / echo (median over turns)',
        perTurn((turn) => turn.sync.p99Ms / turn.echo.p99Ms),
        2,
      ),
      atMost(
        'failed requests (echo and /sync)',
        turns.reduce((sum, turn) => sum + turn.echo.errors + turn.sync.errors, 0),
        0,
      ),
    ],
  );
}

await main();
