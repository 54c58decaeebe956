import { parseOptions } from '../../schemas/flags.js';
import { hooksCommand } from '../../schemas/hooks-options.js';

describe('hooks options', () => {
  it('defaults to the in-cluster names of the design', () => {
    expect(parseOptions(hooksCommand, [], {})).toEqual({
      ok: true,
      value: {
        port: 8080,
        scalerAddress: 'keda-kaito-scaler-svc.keda.svc.cluster.local:10450',
        triggerAuthentication: 'keda-kaito-scaler-creds',
        maxBodyBytes: 16777216,
        logLevel: 'info',
        logFormat: 'auto',
      },
    });
  });

  it.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
    ['scaler address by flag', ['--scaler-address', 'scaler.keda:10450'], {}, { scalerAddress: 'scaler.keda:10450' }],
    ['authentication by environment', [], { KKS_TRIGGER_AUTHENTICATION: 'creds' }, { triggerAuthentication: 'creds' }],
  ])('%s', (_name, argv, env, expected) => {
    expect(parseOptions(hooksCommand, argv, env)).toEqual({ ok: true, value: expect.objectContaining(expected) });
  });

  it.each<[string, string[], RegExp]>([
    ['address without a port', ['--scaler-address', 'scaler.keda'], /--scaler-address .* host:port of the external scaler/],
    ['address with a scheme', ['--scaler-address', 'http://scaler:1'], /--scaler-address/],
    ['another API group', ['--kaito-api-version', 'apps/v1'], /--kaito-api-version/],
    ['authentication name with capitals', ['--trigger-authentication', 'Creds'], /--trigger-authentication/],
    ['a tiny body limit', ['--max-body-bytes', '10'], /--max-body-bytes/],
  ])('refuses %s', (_name, argv, message) => {
    const result = parseOptions(hooksCommand, argv, {});
    expect(!result.ok && result.problem.message).toMatch(message);
  });
});
