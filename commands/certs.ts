import { isIP } from 'node:net';
import { writeCertificateDirectory } from '../certs/folder.js';
import type { CommandModule } from './command.js';
import { fail, ok, type Result } from '../lib/result.js';
import { certsCommand, type CertsOptions } from '../schemas/certs-options.js';
import { serverNames, systemRandomness } from '../certs/issue.js';

/** Extra names as given; IP-shaped ones must be IP addresses. */
export function checkExtraNames(names: readonly string[]): Result<string[]> {
  for (const name of names) {
    const ipShaped = /^[0-9.]+$/.test(name) || name.includes(':');
    if (ipShaped && isIP(name) === 0) {
      return fail('InvalidOption', `option --extra-names (KKS_EXTRA_NAMES) is "${name}": must be a DNS name or an IP address`);
    }
  }
  return ok([...names]);
}
const certs: CommandModule<CertsOptions> = {
  command: certsCommand,
  async run(options, log) {
    if (options.force && options.reuse) {
      log.error({ reason: 'InvalidOption' }, '--force (replace) and --reuse (keep what is valid) exclude each other');
      return 2;
    }
    const extra = checkExtraNames(options.extraNames);
    if (!extra.ok) {
      log.error({ reason: extra.problem.reason }, extra.problem.message);
      return 2;
    }
    const outcome = await writeCertificateDirectory(
      {
        out: options.out,
        names: serverNames(options.service, options.namespace, extra.value),
        mode: options.force ? 'force' : options.reuse ? 'reuse' : 'create',
      },
      { now: new Date(), random: systemRandomness },
    );
    if (!outcome.ok) {
      log.error({ reason: outcome.problem.reason }, outcome.problem.message);
      return 1;
    }
    const { written, changes, nextCheck } = outcome.value;
    for (const change of changes) log.info({ part: change.part, action: change.action, reason: change.reason }, change.detail);
    log.info(
      { out: options.out, written, renewBy: nextCheck.toISOString() },
      written.length === 0 ? 'certificates are valid: nothing written' : `wrote ${written.length} file(s)`,
    );
    return 0;
  },
};

export default certs;
