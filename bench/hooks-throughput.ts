import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Registry } from 'prom-client';
import { createApp } from '../hooks/app.js';
import { listen } from '../lib/lifecycle.js';
import { createLogger } from '../lib/log.js';
import { hooksCommand } from '../schemas/hooks-options.js';
import { drive } from './http-load.js';
import { summary, table } from './report.js';

/**
 * /sync with a realistic 8 KB InferenceSet (managedFields included) under concurrent load,
 * against a bare Express JSON echo served the same way: what the hook's decisions cost on
 * top of Express itself. Each server runs alone in a child process; the load comes from
 * this one.
 */
// Metacontroller calls a hook from a handful of workers (5 by default).
const CONCURRENCY = 8;
const DURATION_MS = 5000;

/** The example sync request, with managedFields like a real object's, about 8 KB in all. */
export function realisticSyncRequest(): string {
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

async function measure(mode: 'sync' | 'echo', body: string) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode], { stdio: 'inherit' });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(message as number)));
    return await drive({ url: `http://127.0.0.1:${port}/sync`, body, concurrency: CONCURRENCY, durationMs: DURATION_MS });
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const serveIndex = process.argv.indexOf('--serve');
  if (serveIndex >= 0) {
    const port = await serve(process.argv[serveIndex + 1] ?? 'sync');
    process.send?.(port);
    return;
  }
  const body = realisticSyncRequest();
  const echo = await measure('echo', body);
  const sync = await measure('sync', body);
  table(`hooks-throughput: POST /sync, ${(body.length / 1024).toFixed(1)} KB body, ${CONCURRENCY} concurrent, ${DURATION_MS / 1000} s`, [
    { server: 'express JSON echo (baseline)', 'req/s': echo.perSecond, 'p50 ms': echo.p50Ms, 'p99 ms': echo.p99Ms, errors: echo.errors },
    { server: 'hooks /sync', 'req/s': sync.perSecond, 'p50 ms': sync.p50Ms, 'p99 ms': sync.p99Ms, errors: sync.errors },
  ]);
  console.log(`hooks /sync p99 ${sync.p99Ms.toFixed(2)} ms (target < 10 ms): ${sync.p99Ms < 10 ? 'met' : 'MISSED'}`);
  summary('hooks-throughput', sync.perSecond / echo.perSecond, 0.5);
}

await main();
