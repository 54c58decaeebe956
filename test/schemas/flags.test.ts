import { defineCommand, envName, flagName, helpText, parseOptions } from '../../schemas/flags.js';

interface Options {
  grpcPort: number;
  tlsDir?: string;
  verbose: boolean;
  metadata: string[];
}

const command = defineCommand<Options>('demo', 'a command for tests', {
  type: 'object',
  additionalProperties: false,
  properties: {
    grpcPort: { type: 'integer', minimum: 1, maximum: 65535, default: 10450, description: 'gRPC port' },
    tlsDir: { type: 'string', minLength: 1, description: 'folder with ca.crt, tls.crt, tls.key' },
    verbose: { type: 'boolean', default: false, description: 'say more' },
    metadata: {
      type: 'array',
      items: { type: 'string', pattern: '^[^=]+=', description: 'key=value' },
      default: [],
      description: 'key=value pairs',
    },
  },
});

describe('flag and environment names', () => {
  it.each([
    ['grpcPort', '--grpc-port', 'KKS_GRPC_PORT'],
    ['tlsDir', '--tls-dir', 'KKS_TLS_DIR'],
    ['port', '--port', 'KKS_PORT'],
  ])('%s -> %s, %s', (property, flag, env) => {
    expect(`--${flagName(property)}`).toBe(flag);
    expect(envName(property)).toBe(env);
  });
});

describe('parseOptions', () => {
  const cases: Array<[string, string[], Record<string, string>, Partial<Options>]> = [
    ['defaults', [], {}, { grpcPort: 10450, verbose: false, metadata: [] }],
    ['flag', ['--grpc-port', '9000'], {}, { grpcPort: 9000 }],
    ['flag with =', ['--grpc-port=9000'], {}, { grpcPort: 9000 }],
    ['environment', [], { KKS_GRPC_PORT: '9001' }, { grpcPort: 9001 }],
    ['flag beats environment', ['--grpc-port', '9000'], { KKS_GRPC_PORT: '9001' }, { grpcPort: 9000 }],
    ['empty environment is unset', [], { KKS_GRPC_PORT: '' }, { grpcPort: 10450 }],
    ['boolean flag', ['--verbose'], {}, { verbose: true }],
    ['boolean environment', [], { KKS_VERBOSE: 'TRUE' }, { verbose: true }],
    ['repeated flag', ['--metadata', 'a=1', '--metadata', 'b=2'], {}, { metadata: ['a=1', 'b=2'] }],
    ['list from environment', [], { KKS_METADATA: 'a=1, b=2' }, { metadata: ['a=1', 'b=2'] }],
  ];
  it.each(cases)('%s', (_name, argv, env, expected) => {
    const result = parseOptions(command, argv, env);
    expect(result).toEqual({ ok: true, value: expect.objectContaining(expected) });
  });

  const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['port out of range', ['--grpc-port', '70000'], {}, /option --grpc-port \(KKS_GRPC_PORT\) is 70000: gRPC port/],
    ['port not a number', ['--grpc-port', 'ten'], {}, /option --grpc-port \(KKS_GRPC_PORT\) is "ten": gRPC port/],
    ['bad environment', [], { KKS_GRPC_PORT: '1.5' }, /--grpc-port \(KKS_GRPC_PORT\) is 1.5/],
    ['unknown flag', ['--nope'], {}, /Unknown option '--nope'.*--help/],
    ['positional', ['extra'], {}, /extra/],
    ['empty string', ['--tls-dir', ''], {}, /--tls-dir \(KKS_TLS_DIR\) is "": folder with ca.crt/],
    ['bad list item', ['--metadata', 'novalue'], {}, /--metadata \(KKS_METADATA\) is "novalue": key=value/],
  ];
  it.each(bad)('%s is refused with a message naming the option', (_name, argv, env, message) => {
    const result = parseOptions(command, argv, env);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.reason).toBe('InvalidOption');
      expect(result.problem.message).toMatch(message);
    }
  });
});

describe('helpText', () => {
  it('lists every flag with its environment twin and default', () => {
    const text = helpText(command as never);
    expect(text).toContain('--grpc-port <value>  KKS_GRPC_PORT (default 10450)');
    expect(text).toContain('--verbose  KKS_VERBOSE (default false)');
    expect(text).toContain('      folder with ca.crt, tls.crt, tls.key');
  });
});
