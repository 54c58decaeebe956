import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { createHealthServer } from '../../scaler/health.js';

describe('health server', () => {
  const registry = new Registry();
  new Counter({ name: 'kks_test_total', help: 'a counter for the test', registers: [registry] }).inc(3);
  let reasons: string[] = [];
  let warnings: string[] = [];
  const server = createHealthServer({ registry, notReadyReasons: () => reasons, warnings: () => warnings });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('/healthz answers while the process runs, ready or not', async () => {
    reasons = ['TLS files not loaded'];
    await request(server).get('/healthz').expect(200, 'ok\n');
  });

  it('/readyz is 503 with every reason while not ready', async () => {
    reasons = ['TLS files not loaded from /tls: missing or empty: tls.crt', 'waiting for CRD inferencesets.kaito.sh'];
    const response = await request(server).get('/readyz').expect(503);
    expect(response.text).toBe(
      'not ready: TLS files not loaded from /tls: missing or empty: tls.crt; waiting for CRD inferencesets.kaito.sh\n',
    );
  });

  it('/readyz is 200 once nothing stands in the way', async () => {
    reasons = [];
    await request(server).get('/readyz').expect(200, 'ready\n');
  });

  it('/readyz stays 200 while serving in spite of a problem, and says what it is', async () => {
    reasons = [];
    warnings = ['TLS files rejected, serving the previous ones (AB:CD): /tls: tls.crt is not signed by a CA in ca.crt'];
    await request(server).get('/readyz').expect(200, `ready\nwarning: ${warnings[0]}\n`);
    warnings = [];
  });

  it('/metrics exposes the registry in Prometheus text format', async () => {
    const response = await request(server).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('kks_test_total 3');
  });

  it('HEAD works where GET does, without a body', async () => {
    const response = await request(server).head('/readyz').expect(200);
    expect(response.text).toBeUndefined();
  });

  it.each([
    ['unknown path', 'get', '/ready', 404],
    ['query strings are ignored', 'get', '/healthz?verbose=1', 200],
    ['POST', 'post', '/readyz', 405],
    ['DELETE', 'delete', '/metrics', 405],
  ] as const)('%s: %s %s -> %d', async (_name, method, path, code) => {
    await request(server)[method](path).expect(code);
  });
});
