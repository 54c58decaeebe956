import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthOptions {
  readonly registry: Registry;
  /** Why the scaler cannot serve now (empty when it can): TLS not loaded, discovery not synced. */
  readonly notReadyReasons: () => readonly string[];
  /** What is wrong although the scaler can serve (TLS files refused, the previous ones in use): said by /readyz. */
  readonly warnings?: () => readonly string[];
}

/**
 * The scaler's HTTP side for the kubelet and Prometheus: `/healthz` (the process answers),
 * `/readyz` (it can serve KEDA; the reasons when not, and warnings when it serves in spite
 * of a problem), `/metrics`.
 */
export function createHealthServer(options: HealthOptions): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (code: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      response.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics')
      return send(404, 'not found: try /healthz, /readyz or /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(405, 'method not allowed\n');
    }
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      const reasons = options.notReadyReasons();
      if (reasons.length > 0) return send(503, `not ready: ${reasons.join('; ')}\n`);
      return send(200, ['ready', ...(options.warnings?.() ?? []).map((warning) => `warning: ${warning}`)].join('\n').concat('\n'));
    }
    options.registry.metrics().then(
      (text) => send(200, text, options.registry.contentType),
      (error: unknown) => send(500, `cannot collect metrics: ${(error as Error).message}\n`),
    );
  });
}
