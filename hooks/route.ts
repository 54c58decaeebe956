import type { Request, Response } from 'express';
import type { Logger } from '../lib/log.js';
import type { Result } from '../lib/result.js';
import { untrusted } from '../lib/text.js';
import type { HookMetrics } from './metrics.js';

/** Reason codes about the request itself rather than the user's configuration. */
const BAD_REQUEST = new Set(['InvalidRequest']);

/**
 * Serves a pure hook function: 200 with its value, or its problem as `{reason, message}`
 * with 400 (a malformed request) or 422 (a configuration that cannot be honoured).
 * Any non-200 makes Metacontroller leave the cluster as it is and report the message.
 */
export function hookRoute(name: string, decide: (body: unknown) => Result<unknown>, log: Logger, metrics: HookMetrics) {
  return (request: Request, response: Response) => {
    const started = process.hrtime.bigint();
    const finish = (outcome: string) => metrics.observe(name, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    const body: unknown = request.body;
    const subject = describeParent(body);
    const result = decide(body);
    if (result.ok) {
      log.debug({ hook: name, ...subject }, 'hook answered');
      response.status(200).json(result.value);
      return finish('ok');
    }
    const badRequest = BAD_REQUEST.has(result.problem.reason);
    log.warn({ hook: name, ...subject, reason: result.problem.reason, message: result.problem.message }, 'hook rejected the request');
    response.status(badRequest ? 400 : 422).json(result.problem);
    finish(badRequest ? 'bad_request' : 'rejected');
  };
}

/**
 * The object a request is about, for logs; hook requests name it `object` or `parent`. It is
 * not checked yet, so its name and namespace are cut: a 10 MB name makes no 10 MB log line.
 */
function describeParent(body: unknown): { namespace?: unknown; name?: unknown } {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, { metadata?: { namespace?: unknown; name?: unknown } } | undefined>;
  const metadata = (record['object'] ?? record['parent'])?.metadata;
  return metadata ? { namespace: untrusted(metadata.namespace), name: untrusted(metadata.name) } : {};
}
