import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createApp } from '../../hooks/app.js';
import type { KubeObject } from '../../hooks/objects.js';
import { sync } from '../../hooks/sync.js';
import { createLogger } from '../../lib/log.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { inferenceSet, objectMap, scaledObject, workspace } from '../hooks/builders.js';
import { trapUnhandledRejections } from './traps.js';

trapUnhandledRejections();
// Hundreds of CPU-bound runs: the timeout is there to catch a hang, and a busy machine takes several times longer.
jest.setTimeout(60_000);

const defaults = hooksCommand.validate({});
if (!defaults.ok) throw new Error(defaults.problem.message);
const config = defaults.value;
const DESIGNED_REASONS = [
  'InvalidThreshold',
  'InvalidMetricName',
  'InvalidReplicaRange',
  'MissingMaxReplicas',
  'NameTooLong',
  'ScaledObjectConflict',
];

const ours = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });

/** Values a person might type into an annotation, and some nobody should. */
const annotationValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '2',
    '10',
    '-1',
    '1.5',
    '1e3',
    ' 4',
    '999999999',
    '1000000000',
    'true',
    'True',
    'vllm:num_requests_waiting',
    'a b',
  ),
  fc.integer({ min: -5, max: 2 ** 32 }).map(String),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const annotations = fc.record(
  {
    'scaledobject.kaito.sh/auto-provision': fc.oneof(fc.constant('true'), annotationValue),
    'scaledobject.kaito.sh/threshold': annotationValue,
    'scaledobject.kaito.sh/metricName': annotationValue,
    'scaledobject.kaito.sh/min-replicas': annotationValue,
    'scaledobject.kaito.sh/max-replicas': annotationValue,
  },
  { requiredKeys: [] },
);
const spec = fc.record(
  { nodeCountLimit: fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constant('8'), fc.constant(null)) },
  { requiredKeys: [] },
);

describe('hooks under arbitrary annotations', () => {
  it('answer 200, or a designed reason with a message; never drop ours unless opted out', () => {
    fc.assert(
      fc.property(annotations, spec, (values, fields) => {
        const object = inferenceSet(values as Record<string, string>, fields);
        const result = sync({ object, attachments: objectMap(ours), related: objectMap(ours) }, config);
        const optedIn = values['scaledobject.kaito.sh/auto-provision'] === 'true';
        if (!result.ok) {
          expect(optedIn).toBe(true);
          expect(DESIGNED_REASONS).toContain(result.problem.reason);
          expect(result.problem.message.length).toBeGreaterThan(20);
          return;
        }
        const attachments = (result.value as { attachments: KubeObject[] }).attachments;
        expect(attachments).toHaveLength(optedIn ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hooks under arbitrary request bodies', () => {
  const app = createApp({ config, log: createLogger({ level: 'silent', format: 'json' }), registry: new Registry() });
  const body = fc.oneof(
    fc.json(),
    fc.jsonValue().map((value) => JSON.stringify({ object: value, attachments: {}, related: {} })),
    fc.jsonValue().map((value) => JSON.stringify({ parent: value })),
    fc.string(),
  );

  it('answer 200, 400, 413, 415 or 422 with {reason, message}, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/sync', '/customize'), body, async (path, text) => {
        const response = await request(app).post(path).set('content-type', 'application/json').send(text);
        expect([200, 400, 413, 415, 422]).toContain(response.status);
        if (response.status !== 200) {
          expect(typeof response.body.reason).toBe('string');
          expect(typeof response.body.message).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hooks under arbitrary annotations, Workspaces and observed objects, over HTTP', () => {
  const app = createApp({ config, log: createLogger({ level: 'silent', format: 'json' }), registry: new Registry() });
  const scenario = fc.record({
    shape: fc.constantFrom('decorator', 'composite'),
    // Names the API server accepts (an RFC 1123 subdomain label), some longer than a ScaledObject allows.
    name: fc.oneof(fc.constant('phi-4-mini'), fc.stringMatching(/^[a-z]([a-z0-9-]{0,69}[a-z0-9])?$/)),
    annotations,
    spec,
    /** Our ScaledObject is attached (the last good answer). */
    attached: fc.boolean(),
    /** A ScaledObject of the same name that is not ours exists (only when ours is not attached). */
    foreign: fc.boolean(),
    workspaces: fc.array(fc.record({ nodes: fc.option(fc.integer({ min: -1, max: 8 }), { nil: undefined }), mine: fc.boolean() }), {
      maxLength: 4,
    }),
  });

  it('answer 200 or a designed 422; ours is dropped only when opted out; a foreign one is never taken', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const object = inferenceSet(s.annotations as Record<string, string>, s.spec, s.name);
        const mine = scaledObject(s.name, { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });
        const foreign = !s.attached && s.foreign;
        const related = objectMap(
          ...s.workspaces.map((entry, index) => workspace(`${s.name}-${index}`, entry.mine ? s.name : 'someone-else', entry.nodes)),
          ...(foreign ? [scaledObject(s.name)] : s.attached ? [mine] : []),
        );
        const owned = s.attached ? objectMap(mine) : {};
        const body = s.shape === 'decorator' ? { object, attachments: owned, related } : { parent: object, children: owned, related };
        const response = await request(app).post('/sync').send(body);
        const optedIn = s.annotations['scaledobject.kaito.sh/auto-provision'] === 'true';

        expect([200, 422]).toContain(response.status);
        if (response.status === 422) {
          expect(optedIn).toBe(true);
          expect(DESIGNED_REASONS).toContain(response.body.reason);
          expect(String(response.body.message).length).toBeGreaterThan(20);
          return;
        }
        const answered = (s.shape === 'decorator' ? response.body.attachments : response.body.children) as KubeObject[];
        expect(Object.keys(response.body)).toEqual([s.shape === 'decorator' ? 'attachments' : 'children']);
        if (!optedIn) {
          expect(answered).toEqual([]);
          return;
        }
        // Opted in and answered 200: exactly our ScaledObject, never one taken over from someone else.
        expect(foreign).toBe(false);
        expect(answered).toHaveLength(1);
        expect(answered[0]?.metadata).toEqual({
          name: s.name,
          namespace: 'default',
          annotations: { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' },
        });
      }),
      { numRuns: 300 },
    );
  });
});
