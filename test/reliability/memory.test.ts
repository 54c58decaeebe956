import { jest } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log.js';
import { createMeasurer, type Measurer } from '../../scaler/measure.js';
import { triggerConfig } from '../scaler/helpers.js';
import { FAMILY, startHostile, type Behaviour, type HostileTarget } from '../support/hostile-targets.js';
import { trapUnhandledRejections } from './traps.js';

/**
 * The measurer's memory stays bounded under hostile replicas: after a thousand scrapes of
 * pages at the body cap, endless streams, gzip bombs, pathological lines, hangs and resets,
 * the process holds no more than it did before them (within a generous bound), no scrape
 * slot is held and no connection stays open.
 *
 * Checked by hand that this can fail: a scraper that keeps every body it read (its `chunks`
 * pushed to a global list) grows by ~280 MB here, where the real one grows by 0-20 MB.
 */

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const MAX_BODY_BYTES = MiB;
const BOUND_BYTES = 64 * MiB;
const SCRAPES = 1000;
/** Rounds measured at once (each of every target), for different InferenceSets. */
const PARALLEL = 10;

/** Heavy on bytes (pages at the cap) and on every way of cutting a scrape short. */
const MIX: readonly Behaviour[] = [
  'near-cap',
  'near-cap',
  'endless-chunked',
  'huge-declared',
  'gzip-bomb',
  'quadratic-labels',
  'quadratic-value',
  'silent',
  'drip',
  'reset-mid-body',
  'not-http',
  'huge-headers',
  'redirect',
  'status-500',
  'binary-body',
  'refused',
  'duplicate-series',
  'healthy',
  'healthy',
];

/** V8's collector, exposed at run time when the process was not started with --expose-gc. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledRss(gc: () => void): Promise<number> {
  for (let pass = 0; pass < 3; pass += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().rss;
}

let targets: HostileTarget[] = [];
let measurer: Measurer;
let registry: Registry;

beforeAll(async () => {
  targets = [];
  for (const behaviour of MIX) targets.push(await startHostile(behaviour, { maxBodyBytes: MAX_BODY_BYTES }));
  registry = new Registry();
  measurer = createMeasurer({ registry, log: createLogger({ level: 'silent', format: 'json' }), maxBodyBytes: MAX_BODY_BYTES });
});

afterAll(async () => {
  measurer?.close();
  await Promise.all(targets.map((target) => target.close()));
});

// Declared after the cleanup above, so that its check runs last.
trapUnhandledRejections();

const config = (set: number) => triggerConfig({ inferenceSetName: `hostile-${set}`, metricName: FAMILY, scrapeTimeout: '500ms' });

/**
 * Scrapes every target `rounds` times, `PARALLEL` rounds at a time. Every round ends in a
 * number, or (on a machine too busy for even the healthy replicas to answer in time) in
 * NoSamples; returns how many ended in a number.
 */
async function scrape(rounds: number): Promise<number> {
  const urls = targets.map((target) => target.url);
  let answered = 0;
  for (let done = 0; done < rounds; done += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, rounds - done) }, (_, index) =>
      measurer.measure(config(index), urls, Date.now() + 5000),
    );
    for (const result of await Promise.all(batch)) {
      expect(result.ok ? 'a number' : result.problem.reason).toMatch(/^(a number|NoSamples)$/);
      if (result.ok) answered += 1;
    }
  }
  return answered;
}

it(`stays bounded over ${SCRAPES} hostile scrapes`, async () => {
  const gc = collector();
  const rounds = Math.ceil(SCRAPES / targets.length);
  await scrape(PARALLEL * 2); // warm up: code compiled, sockets and buffers pooled
  const before = await settledRss(gc);
  expect(await scrape(rounds)).toBeGreaterThan(0);
  const after = await settledRss(gc);

  expect(after - before).toBeLessThan(BOUND_BYTES);
  const metrics = await registry.metrics();
  expect(metrics).toContain('kks_scrape_slots_in_use 0');
  expect(metrics).toContain('kks_scrape_slots_waiting 0');
  // Connections whose answer was cut off are closed (complete answers may stay as idle keep-alive).
  const cut = new Set<Behaviour>([
    'silent',
    'drip',
    'endless-chunked',
    'huge-declared',
    'gzip-bomb',
    'reset-mid-body',
    'not-http',
    'huge-headers',
    'redirect',
    'status-500',
  ]);
  for (const target of targets.filter((entry) => cut.has(entry.behaviour))) {
    expect({ behaviour: target.behaviour, open: await openAfter(target) }).toEqual({ behaviour: target.behaviour, open: 0 });
  }
});

async function openAfter(target: HostileTarget): Promise<number> {
  const end = Date.now() + 5000;
  while (target.open > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return target.open;
}
