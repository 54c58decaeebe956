import { Registry } from 'prom-client';
import { createApp, type HooksConfig } from '../../hooks/app.js';
import { createLogger } from '../../lib/log.js';
import { hooksCommand } from '../../schemas/hooks-options.js';

/** The app `keda-kaito-scaler hooks` serves with its default options, logging nothing, metrics of its own. */
export function hooksApp(overrides: Partial<HooksConfig> = {}) {
  const defaults = hooksCommand.validate({});
  if (!defaults.ok) throw new Error(defaults.problem.message);
  return createApp({
    config: { ...defaults.value, ...overrides },
    log: createLogger({ level: 'silent', format: 'json' }),
    registry: new Registry(),
  });
}
