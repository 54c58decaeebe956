import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { clip, untrusted } from '../lib/text.js';
import { MAX_BODY_DEPTH, refuseDeepBodies, TOO_DEEP } from './body-checks.js';
import { certificatesHook, customizeCertificates } from './certificates.js';
import { customize } from './customize.js';
import { createHookMetrics } from './metrics.js';
import type { RenderConfig } from './render.js';
import { hookRoute } from './route.js';
import { sync } from './sync.js';

export interface HooksConfig extends RenderConfig {
  readonly maxBodyBytes: number;
}

export interface HooksDependencies {
  readonly config: HooksConfig;
  readonly log: Logger;
  readonly registry: Registry;
}

/** The Metacontroller webhooks: thin HTTP around the pure hook functions. */
export function createApp({ config, log, registry }: HooksDependencies): express.Express {
  const metrics = createHookMetrics(registry);
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 0);

  // Metacontroller sends JSON; so does anyone who curls a saved request, with or without a content type.
  // Depth is checked on the bytes, before parsing: nothing recursive ever sees a deeper value.
  const json = express.json({ limit: config.maxBodyBytes, type: () => true, verify: refuseDeepBodies(MAX_BODY_DEPTH) });

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(registry.contentType).send(await registry.metrics());
  });
  app.post(
    '/sync',
    json,
    hookRoute('sync', (body) => sync(body, config), log, metrics),
  );
  app.post('/customize', json, hookRoute('customize', customize, log, metrics));
  app.post('/certificates/customize', json, hookRoute('certificates-customize', customizeCertificates, log, metrics));
  app.post('/certificates/sync', json, hookRoute('certificates', certificatesHook({ log, registry }), log, metrics));

  app.use((request, response) => {
    response.status(404).json({ reason: 'NotFound', message: `no route for ${request.method} ${request.path}` });
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const status = httpStatusOf(error);
    const hook = HOOK_PATHS[request.path];
    if (status >= 500) log.error({ err: error, hook, path: untrusted(request.path) }, 'hook failed');
    const problem = bodyProblem(error, status, config.maxBodyBytes);
    if (status < 500)
      log.warn({ hook, path: untrusted(request.path), reason: problem.reason }, 'hook request refused before the hook read it');
    response.status(status).json(problem);
    // Refused before the hook read it (not JSON, too large, too deep), or failed: counted all the same.
    if (hook !== undefined) metrics.count(hook, status === 413 ? 'too_large' : status < 500 ? 'bad_request' : 'error');
  });
  return app;
}

/** The hook each route serves, as the metrics name it. */
const HOOK_PATHS: Readonly<Record<string, string>> = { '/sync': 'sync', '/customize': 'customize', '/certificates/sync': 'certificates' };

/** body-parser's errors carry a 4xx status; anything else is ours. */
function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

function bodyProblem(error: unknown, status: number, limit: number): { reason: string; message: string } {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    return { reason: 'BodyTooLarge', message: `request body is larger than ${limit} bytes (--max-body-bytes)` };
  }
  if (type === 'entity.parse.failed') {
    return { reason: 'InvalidJSON', message: `request body is not valid JSON: ${clip((error as Error).message, 200)}` };
  }
  if (type === TOO_DEEP) return { reason: 'BodyTooDeep', message: (error as Error).message };
  if (status < 500) return { reason: 'InvalidRequest', message: clip((error as Error).message, 200) };
  return { reason: 'InternalError', message: 'the hook failed; see the hooks log' };
}
