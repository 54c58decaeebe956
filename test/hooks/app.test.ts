import { readFileSync } from 'node:fs';
import request from 'supertest';
import { autoscaled, inferenceSet } from './builders.js';
import { hooksApp as app } from './hooks-app.js';

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

describe('POST /sync', () => {
  it('answers the example DecoratorController request with the ScaledObject', async () => {
    const response = await request(app()).post('/sync').set('content-type', 'application/json').send(example('sync-decorator.json'));
    expect(response.status).toBe(200);
    expect(response.body.attachments).toHaveLength(1);
    expect(response.body.attachments[0].metadata.name).toBe('phi-4-mini');
  });

  it('answers the example CompositeController request with {children}', async () => {
    const response = await request(app()).post('/sync').set('content-type', 'application/json').send(example('sync-composite.json'));
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['children']);
  });

  it('accepts a body sent without a JSON content type (curl -d)', async () => {
    const response = await request(app())
      .post('/sync')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send(example('sync-decorator.json'));
    expect(response.status).toBe(200);
  });

  it('answers an invalid configuration with 422 and {reason, message}', async () => {
    const body = { object: inferenceSet(autoscaled({ 'scaledobject.kaito.sh/threshold': '0' })), attachments: {}, related: {} };
    const response = await request(app()).post('/sync').send(body);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      reason: 'InvalidThreshold',
      message: expect.stringContaining('scaledobject.kaito.sh/threshold is "0"'),
    });
  });

  it('takes a real-sized object with managedFields (several MB)', async () => {
    const object = inferenceSet(autoscaled()) as any;
    const managedFields = Array.from({ length: 30_000 }, (_, index) => ({
      manager: `controller-${index}`,
      operation: 'Update',
      fieldsV1: { 'f:metadata': { 'f:annotations': { [`f:key-${index}`]: {} } } },
    }));
    const body = JSON.stringify({ object: { ...object, metadata: { ...object.metadata, managedFields } }, attachments: {}, related: {} });
    expect(body.length).toBeGreaterThan(3_000_000);
    const response = await request(app()).post('/sync').set('content-type', 'application/json').send(body);
    expect(response.status).toBe(200);
  });
});

describe('bad bodies get a JSON answer, never a stack trace', () => {
  it.each<[string, string, number, string]>([
    ['broken JSON', '{"object":', 400, 'InvalidJSON'],
    ['a JSON string', '"sync"', 400, 'InvalidJSON'],
    ['an empty object', '{}', 400, 'InvalidRequest'],
    ['an empty body', '', 400, 'InvalidRequest'],
  ])('%s -> %i %s', async (_name, body, status, reason) => {
    const response = await request(app()).post('/sync').set('content-type', 'application/json').send(body);
    expect(response.status).toBe(status);
    expect(response.body.reason).toBe(reason);
    expect(response.text).not.toMatch(/\n\s+at /);
  });

  it('a body over the limit -> 413 BodyTooLarge', async () => {
    const response = await request(app({ maxBodyBytes: 1024 }))
      .post('/sync')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(4096) }));
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ reason: 'BodyTooLarge', message: 'request body is larger than 1024 bytes (--max-body-bytes)' });
  });

  it('an unsupported encoding -> 415', async () => {
    const response = await request(app())
      .post('/sync')
      .set('content-type', 'application/json')
      .set('content-encoding', 'br-nope')
      .send('{}');
    expect(response.status).toBe(415);
    expect(response.body.reason).toBe('InvalidRequest');
  });

  it('keeps serving after bad requests', async () => {
    const server = app();
    await request(server).post('/sync').send('{oops').set('content-type', 'application/json');
    const response = await request(server).post('/sync').set('content-type', 'application/json').send(example('sync-decorator.json'));
    expect(response.status).toBe(200);
  });
});

describe('POST /customize', () => {
  it('answers the example request with the related resources', async () => {
    const response = await request(app()).post('/customize').set('content-type', 'application/json').send(example('customize.json'));
    expect(response.status).toBe(200);
    expect(response.body.relatedResources.map((rule: { resource: string }) => rule.resource)).toEqual([
      'workspaces',
      'scaledobjects',
      'horizontalpodautoscalers',
    ]);
  });

  it('answers a malformed request with 400', async () => {
    const response = await request(app()).post('/customize').send({ parent: {} });
    expect(response.status).toBe(400);
    expect(response.body.reason).toBe('InvalidRequest');
  });
});

describe('GET /healthz and /metrics', () => {
  it('is healthy', async () => {
    const response = await request(app()).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('counts requests by hook and outcome, with latencies', async () => {
    const server = app();
    await request(server).post('/sync').set('content-type', 'application/json').send(example('sync-decorator.json'));
    await request(server)
      .post('/sync')
      .send({ object: inferenceSet(autoscaled({ 'scaledobject.kaito.sh/threshold': '0' })) });
    await request(server).post('/customize').send({});
    const response = await request(server).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.text).toContain('kks_hook_requests_total{hook="sync",outcome="ok"} 1');
    expect(response.text).toContain('kks_hook_requests_total{hook="sync",outcome="rejected"} 1');
    expect(response.text).toContain('kks_hook_requests_total{hook="customize",outcome="bad_request"} 1');
    expect(response.text).toMatch(/kks_hook_request_duration_seconds_count\{hook="sync",outcome="ok"\} 1/);
  });
});

it('answers unknown routes and methods with a JSON 404', async () => {
  const response = await request(app()).get('/sync');
  expect(response.status).toBe(404);
  expect(response.body).toEqual({ reason: 'NotFound', message: 'no route for GET /sync' });
});
