import { readFileSync } from 'node:fs';
import request from 'supertest';
import { autoscaled, inferenceSet, objectMap, scaledObject, workspace } from '../hooks/builders.js';
import { service, syncRequest } from '../hooks/certificates-requests.js';
import { hooksApp } from '../hooks/hooks-app.js';
import { decodeAnswer, selectionError, type HookShape } from '../support/metacontroller-decoder.js';

const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const app = hooksApp();

const opted = inferenceSet(autoscaled());
const notOpted = inferenceSet({});
const optedOut = inferenceSet(autoscaled({ 'scaledobject.kaito.sh/auto-provision': 'false' }));
const ours = scaledObject('phi-4-mini', { 'scaledobject.kaito.sh/managed-by': 'keda-kaito-scaler' });
const decorator = (object: unknown, attachments = {}, related = {}) => ({
  controller: {},
  object,
  attachments,
  related,
  finalizing: false,
});
const composite = (parent: unknown, children = {}, related = {}) => ({ controller: {}, parent, children, related, finalizing: false });

/** Every 200 answer of every hook, with the decoder that reads it and how many objects it must keep. */
const answers: Array<[string, string, HookShape, unknown, number | 'rules']> = [
  ['sync, decorator: opted in', '/sync', 'decorator-v2', decorator(opted), 1],
  ['sync, decorator: opted in, ours attached', '/sync', 'decorator-v2', decorator(opted, objectMap(ours), objectMap(ours)), 1],
  [
    'sync, decorator: opted in, with Workspaces',
    '/sync',
    'decorator-v2',
    decorator(opted, {}, objectMap(workspace('w', 'phi-4-mini', 2))),
    1,
  ],
  ['sync, decorator: not opted in', '/sync', 'decorator-v2', decorator(notOpted), 0],
  ['sync, decorator: opted out, ours attached (deleted)', '/sync', 'decorator-v2', decorator(optedOut, objectMap(ours)), 0],
  ['sync, decorator (v1 keys are the same)', '/sync', 'decorator-v1', decorator(opted), 1],
  ['sync, the example request', '/sync', 'decorator-v2', example('sync-decorator.json'), 1],
  ['sync, composite: opted in', '/sync', 'composite-v2', composite(opted), 1],
  ['sync, composite: the example request', '/sync', 'composite-v2', example('sync-composite.json'), 1],
  ['customize', '/customize', 'customize', { controller: {}, parent: opted }, 'rules'],
  ['customize, the example request', '/customize', 'customize', example('customize.json'), 'rules'],
  ['certificates customize', '/certificates/customize', 'customize', { controller: {}, parent: service() }, 'rules'],
  ['certificates sync, nothing yet', '/certificates/sync', 'decorator-v2', syncRequest([]), 3],
  ['certificates sync, the example request', '/certificates/sync', 'decorator-v2', example('certificates-sync.json'), 3],
];

describe('every answer decodes strictly, as Metacontroller v4.17.2 decodes it', () => {
  it.each(answers)('%s', async (_name, path, shape, body, expected) => {
    const response = await request(app)
      .post(path)
      .send(body as object);
    expect(response.status).toBe(200);
    const decoded = decodeAnswer(shape, response.text);
    if (expected === 'rules') {
      expect(decoded.rules.length).toBeGreaterThan(0);
      // Valid for the oldest Metacontroller we support (see the README's Versions table).
      for (const rule of decoded.rules) expect(selectionError(rule, 'v4.15+')).toBeUndefined();
    } else {
      // A missing list deletes everything: an answer keeps exactly what should exist.
      expect(decoded.objects).toHaveLength(expected);
    }
  });

  it('the Workspaces rule is one that Metacontroller before v4.15.0 refuses: v4.15.0 is the oldest release that works', async () => {
    const response = await request(app).post('/customize').send({ parent: opted });
    const rules = decodeAnswer('customize', response.text).rules;
    expect(rules.map((rule) => selectionError(rule, 'v4.14'))).toContain('related rule cannot have both labelSelector and Namespace/Names');
  });

  it('a problem is never a 200 answer (which would be decoded, and a missing list would delete what exists)', async () => {
    const foreign = scaledObject('phi-4-mini');
    const response = await request(app)
      .post('/sync')
      .send(decorator(opted, {}, objectMap(foreign)));
    expect(response.status).toBe(422);
    expect(Object.keys(response.body).sort()).toEqual(['message', 'reason']);
  });
});

describe('the decoder is as strict as Metacontroller', () => {
  it.each<[string, HookShape, string, RegExp]>([
    ['an unknown top-level key', 'decorator-v2', '{"attachments": [], "children": []}', /unknown field\(s\) "children"/],
    ['a key in another case', 'decorator-v2', '{"Attachments": []}', /unknown field\(s\) "Attachments"/],
    ['a duplicated key', 'decorator-v2', '{"attachments": [], "attachments": []}', /strict validation failed/],
    ['a decorator key in a composite answer', 'composite-v2', '{"children": [], "labels": {}}', /unknown field\(s\) "labels"/],
    [
      'an unknown key in a related rule',
      'customize',
      '{"relatedResources": [{"apiVersion": "v1", "resource": "secrets", "name": "x"}]}',
      /"name" in relatedResources\[0\]/,
    ],
    [
      'an unknown key in a selector',
      'customize',
      '{"relatedResources": [{"apiVersion": "v1", "resource": "s", "labelSelector": {"labels": {}}}]}',
      /"labels"/,
    ],
    ['an object without kind', 'decorator-v2', '{"attachments": [{"apiVersion": "v1"}]}', /Kind' is missing/],
    ['resyncAfterSeconds as a string', 'decorator-v2', '{"attachments": [], "resyncAfterSeconds": "60"}', /not a number/],
  ])('refuses %s', (_name, shape, body, message) => {
    expect(() => decodeAnswer(shape, body)).toThrow(message);
  });

  it.each<[string, HookShape, string]>([
    ['no attachments', 'decorator-v2', '{}'],
    ['null attachments', 'decorator-v2', '{"attachments": null}'],
    ['no children', 'composite-v2', '{"status": {}}'],
  ])('reads %s as "delete everything"', (_name, shape, body) => {
    expect(decodeAnswer(shape, body).objects).toEqual([]);
  });
});
