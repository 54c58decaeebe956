import { compile } from './compile.js';
import { HOST, NAMESPACE, OBJECT_NAME, PORT } from './patterns.js';

/**
 * The `--targets` file of the `scaler` command: InferenceSets and the `host:port` of each
 * of their replicas, for running without the Kubernetes API (local stacks, tests, clusters
 * whose KAITO API the scaler cannot read).
 */
export const targetsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inferenceSets'],
  'x-reason': 'InvalidTargets',
  description: 'the targets file must be a mapping with the key inferenceSets',
  properties: {
    inferenceSets: {
      type: 'array',
      'x-reason': 'InvalidTargets',
      description: 'must be a list of InferenceSets, each with namespace, name and workspaces',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['namespace', 'name', 'workspaces'],
        'x-reason': 'InvalidTargets',
        description: 'must be a mapping with namespace, name, workspaces and optionally allowedNamespaces',
        properties: {
          namespace: {
            type: 'string',
            pattern: NAMESPACE,
            maxLength: 63,
            'x-reason': 'InvalidTargets',
            description: 'the InferenceSet\'s namespace: a Kubernetes namespace name (lowercase letters, digits, "-")',
          },
          name: {
            type: 'string',
            pattern: OBJECT_NAME,
            maxLength: 253,
            'x-reason': 'InvalidTargets',
            description: 'the InferenceSet\'s name: a Kubernetes object name (lowercase letters, digits, "-", ".")',
          },
          allowedNamespaces: {
            type: 'array',
            default: [],
            'x-reason': 'InvalidTargets',
            description: 'namespaces besides its own whose ScaledObjects may read this InferenceSet ("*" for any)',
            items: {
              type: 'string',
              pattern: `(^\\*$)|${NAMESPACE}`,
              maxLength: 63,
              'x-reason': 'InvalidTargets',
              description: 'a namespace name, or "*" for any namespace',
            },
          },
          workspaces: {
            type: 'array',
            'x-reason': 'InvalidTargets',
            description: 'one host:port per replica, e.g. [127.0.0.1:9001, 127.0.0.1:9002]',
            items: {
              type: 'string',
              pattern: `^${HOST}:${PORT}$`,
              maxLength: 260,
              'x-reason': 'InvalidTargets',
              description: "a replica's metrics endpoint as host:port (port 1-65535), e.g. 127.0.0.1:9001 or [::1]:9001",
            },
          },
        },
      },
    },
  },
} as const;

export interface TargetsFile {
  readonly inferenceSets: ReadonlyArray<{
    readonly namespace: string;
    readonly name: string;
    readonly allowedNamespaces: readonly string[];
    readonly workspaces: readonly string[];
  }>;
}

/** Paths read as in the file: `inferenceSets[0].workspaces[1]`. */
export const targetsPath = (path: string): string => (path === '' ? 'the targets file' : path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'));

export const validateTargets = compile<TargetsFile>(targetsSchema, {
  reason: 'InvalidTargets',
  describe: (path) => (path === '' ? targetsPath(path) : `targets entry ${targetsPath(path)}`),
});
