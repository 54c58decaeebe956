import { readFileSync } from 'node:fs';
import { readInferenceSet, readSyncAnswer, syncRequest, targetsYaml } from '../../dev/scaled-object.js';
import { sync } from '../../hooks/sync.js';
import { parseTargets } from '../../scaler/discovery/static.js';

const example = readFileSync(new URL('../../examples/inferenceset.yaml', import.meta.url), 'utf8');
const render = { scalerAddress: '127.0.0.1:10450', triggerAuthentication: 'keda-kaito-scaler-creds' };

describe('readInferenceSet', () => {
  it('reads the example', () => {
    const read = readInferenceSet(example, 'examples/inferenceset.yaml');
    expect(read.ok && { namespace: read.value.namespace, name: read.value.name }).toEqual({ namespace: 'default', name: 'phi-4-mini' });
  });

  it('puts an absent namespace in default, as kubectl apply would', () => {
    const read = readInferenceSet('apiVersion: kaito.sh/v1beta1\nkind: InferenceSet\nmetadata:\n  name: a\n', 'f.yaml');
    expect(read.ok && read.value.namespace).toBe('default');
    expect(read.ok && (read.value.object['metadata'] as Record<string, unknown>)['namespace']).toBe('default');
  });

  it.each([
    ['not YAML', 'metadata: [', 'f.yaml is not valid YAML at line 1, column '],
    ['a list', '- a\n- b\n', 'f.yaml must hold one InferenceSet (a YAML mapping with apiVersion, kind, metadata, spec)'],
    ['empty', '', 'f.yaml must hold one InferenceSet'],
    ['no name', 'kind: InferenceSet\nmetadata: {namespace: default}\n', 'f.yaml: metadata.name is required'],
    ['a numeric namespace', 'metadata: {name: a, namespace: 7}\n', 'f.yaml: metadata.namespace must be a namespace name'],
    [
      'a repeated key',
      'metadata: {name: a}\nmetadata: {name: b}\n',
      'f.yaml is not valid YAML at line 2, column 1: Map keys must be unique',
    ],
  ])('refuses %s', (_case, text, message) => {
    const read = readInferenceSet(text, 'f.yaml');
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.problem.reason).toBe('InvalidInferenceSet');
      expect(read.problem.message.startsWith(message)).toBe(true);
    }
  });
});

describe('syncRequest and readSyncAnswer, through the real sync function', () => {
  const answerFor = (yaml: string) => {
    const read = readInferenceSet(yaml, 'f.yaml');
    if (!read.ok) throw new Error(read.problem.message);
    const result = sync(syncRequest(read.value), render);
    // As hooks/route.ts answers: 400 for a malformed request, 422 for a configuration it cannot honour.
    if (result.ok) return readSyncAnswer(200, result.value, 'f.yaml');
    return readSyncAnswer(result.problem.reason === 'InvalidRequest' ? 400 : 422, result.problem, 'f.yaml');
  };

  it('finds the ScaledObject, its bounds and its trigger', () => {
    expect(answerFor(example)).toEqual({
      ok: true,
      value: {
        namespace: 'default',
        name: 'phi-4-mini',
        min: 1,
        max: 4,
        metadata: {
          scalerAddress: '127.0.0.1:10450',
          enableTLS: 'true',
          inferenceSetName: 'phi-4-mini',
          inferenceSetNamespace: 'default',
          metricName: 'vllm:num_requests_waiting',
          threshold: '10',
        },
        scalerAddress: '127.0.0.1:10450',
        metricName: 'vllm:num_requests_waiting',
        threshold: 10,
      },
    });
  });

  it.each([
    [
      'a rejected annotation',
      example.replace('threshold: "10"', 'threshold: "0"'),
      'SyncRejected',
      'the sync hook refused f.yaml (422 InvalidThreshold): ',
    ],
    [
      'auto-provision off',
      example.replace('auto-provision: "true"', 'auto-provision: "false"'),
      'NoScaledObject',
      'the sync hook rendered no ScaledObject for f.yaml: annotate it with',
    ],
    [
      'not an InferenceSet',
      example.replace('kind: InferenceSet', 'kind: Workspace'),
      'SyncRejected',
      'the sync hook refused f.yaml (400 InvalidRequest): request field object.kind',
    ],
  ])('says why for %s', (_case, yaml, reason, message) => {
    const answer = answerFor(yaml);
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.problem.reason).toBe(reason);
      expect(answer.problem.message.startsWith(message)).toBe(true);
    }
  });

  it.each<[string, number, unknown, string]>([
    ['a 500 without a problem body', 500, 'oops', 'SyncRejected'],
    ['no attachments', 200, { children: [] }, 'BadSyncAnswer'],
    [
      'a ScaledObject without bounds',
      200,
      { attachments: [{ kind: 'ScaledObject', metadata: { name: 'a', namespace: 'b' }, spec: { triggers: [] } }] },
      'BadSyncAnswer',
    ],
    [
      'a trigger without a threshold',
      200,
      {
        attachments: [
          {
            kind: 'ScaledObject',
            metadata: { name: 'a', namespace: 'b' },
            spec: {
              minReplicaCount: 1,
              maxReplicaCount: 2,
              triggers: [{ type: 'external', metadata: { scalerAddress: 'x:1', metricName: 'm' } }],
            },
          },
        ],
      },
      'BadSyncAnswer',
    ],
  ])('refuses an answer with %s', (_case, status, body, reason) => {
    const answer = readSyncAnswer(status, body, 'f.yaml');
    expect(answer.ok ? undefined : answer.problem.reason).toBe(reason);
  });
});

describe('targetsYaml', () => {
  it('is a targets file the scaler reads back as written', () => {
    expect(parseTargets(targetsYaml({ namespace: 'default', name: 'phi-4-mini' }, ['127.0.0.1:9001', '127.0.0.1:9002']))).toEqual({
      ok: true,
      value: [
        {
          namespace: 'default',
          name: 'phi-4-mini',
          allowedNamespaces: [],
          workspaces: [
            { name: '127.0.0.1:9001', address: '127.0.0.1:9001' },
            { name: '127.0.0.1:9002', address: '127.0.0.1:9002' },
          ],
        },
      ],
    });
  });

  it('quotes names, so a strange one is refused by the scaler rather than read as other YAML', () => {
    const parsed = parseTargets(targetsYaml({ namespace: 'default', name: 'a: b' }, ['127.0.0.1:9001']));
    expect(parsed.ok ? undefined : parsed.problem.reason).toBe('InvalidTargets');
  });
});
