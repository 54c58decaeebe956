import { parseDocument } from 'yaml';
import { fail, ok, type Result } from '../lib/result.js';
import { describeYamlError } from '../lib/yaml-error.js';

/**
 * The dev stack's side of the sync hook: the request Metacontroller would send for an
 * InferenceSet read from YAML, and the parts of the rendered ScaledObject it polls with.
 */

export interface InferenceSetDocument {
  readonly namespace: string;
  readonly name: string;
  /** The object as read, with the namespace filled in as `kubectl apply` would. */
  readonly object: Readonly<Record<string, unknown>>;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The InferenceSet of a YAML file. Only what the stack needs is checked here (one
 * document, a name); the sync hook checks the rest and says what is wrong.
 */
export function readInferenceSet(text: string, file: string): Result<InferenceSetDocument> {
  const document = parseDocument(text, { uniqueKeys: true });
  const error = document.errors[0];
  if (error) return fail('InvalidInferenceSet', `${file} is not valid YAML at ${describeYamlError(error, text)}`);
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (!isMapping(data))
    return fail('InvalidInferenceSet', `${file} must hold one InferenceSet (a YAML mapping with apiVersion, kind, metadata, spec)`);
  const metadata = data['metadata'];
  const name = isMapping(metadata) ? metadata['name'] : undefined;
  if (typeof name !== 'string' || name === '') return fail('InvalidInferenceSet', `${file}: metadata.name is required`);
  const given = isMapping(metadata) ? metadata['namespace'] : undefined;
  if (given !== undefined && (typeof given !== 'string' || given === '')) {
    return fail('InvalidInferenceSet', `${file}: metadata.namespace must be a namespace name`);
  }
  const namespace = typeof given === 'string' ? given : 'default';
  return ok({ namespace, name, object: { ...data, metadata: { ...(metadata as Record<string, unknown>), namespace } } });
}

/** What a DecoratorController (hook v2) sends for an InferenceSet with nothing attached yet. */
export function syncRequest(inferenceSet: InferenceSetDocument): Record<string, unknown> {
  return { object: inferenceSet.object, attachments: {}, related: {}, finalizing: false };
}

export interface RenderedScaledObject {
  readonly namespace: string;
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** The external trigger's metadata, sent with every call as KEDA does. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly scalerAddress: string;
  readonly metricName: string;
  readonly threshold: number;
}

/** The ScaledObject in the sync hook's answer, or why there is none. */
export function readSyncAnswer(status: number, body: unknown, file: string): Result<RenderedScaledObject> {
  if (status !== 200) {
    const problem = isMapping(body) ? body : {};
    const reason = typeof problem['reason'] === 'string' ? problem['reason'] : `HTTP ${status}`;
    const message = typeof problem['message'] === 'string' ? problem['message'] : JSON.stringify(body);
    return fail('SyncRejected', `the sync hook refused ${file} (${status} ${reason}): ${message}`);
  }
  const attachments = isMapping(body) ? body['attachments'] : undefined;
  if (!Array.isArray(attachments)) return fail('BadSyncAnswer', `the sync hook answered without attachments: ${JSON.stringify(body)}`);
  const scaledObject = attachments.find((object) => isMapping(object) && object['kind'] === 'ScaledObject') as
    | Record<string, unknown>
    | undefined;
  if (!scaledObject) {
    return fail(
      'NoScaledObject',
      `the sync hook rendered no ScaledObject for ${file}: annotate it with scaledobject.kaito.sh/auto-provision: "true" and a scaledobject.kaito.sh/threshold`,
    );
  }
  const metadata = scaledObject['metadata'];
  const spec = scaledObject['spec'];
  const triggers = isMapping(spec) ? spec['triggers'] : undefined;
  const trigger = Array.isArray(triggers)
    ? (triggers.find((entry) => isMapping(entry) && entry['type'] === 'external') as unknown)
    : undefined;
  const triggerMetadata = isMapping(trigger) ? trigger['metadata'] : undefined;
  if (
    !isMapping(metadata) ||
    typeof metadata['name'] !== 'string' ||
    typeof metadata['namespace'] !== 'string' ||
    !isMapping(spec) ||
    !Number.isInteger(spec['minReplicaCount']) ||
    !Number.isInteger(spec['maxReplicaCount']) ||
    !isMapping(triggerMetadata) ||
    !Object.values(triggerMetadata).every((value) => typeof value === 'string')
  ) {
    return fail(
      'BadSyncAnswer',
      `the sync hook's ScaledObject lacks a name, namespace, replica bounds or an external trigger: ${JSON.stringify(scaledObject)}`,
    );
  }
  const strings = triggerMetadata as Record<string, string>;
  const threshold = Number(strings['threshold']);
  if (!(threshold > 0) || !strings['scalerAddress'] || !strings['metricName']) {
    return fail('BadSyncAnswer', `the sync hook's trigger lacks scalerAddress, metricName or a threshold > 0: ${JSON.stringify(strings)}`);
  }
  return ok({
    namespace: metadata['namespace'],
    name: metadata['name'],
    min: spec['minReplicaCount'] as number,
    max: spec['maxReplicaCount'] as number,
    metadata: strings,
    scalerAddress: strings['scalerAddress'],
    metricName: strings['metricName'],
    threshold,
  });
}

/** The static targets file for the simulated replicas. */
export function targetsYaml(inferenceSet: { readonly namespace: string; readonly name: string }, addresses: readonly string[]): string {
  return [
    '# Written by `keda-kaito-scaler dev`: the simulated replicas of the InferenceSet, for `scaler --targets`.',
    'inferenceSets:',
    `  - namespace: ${JSON.stringify(inferenceSet.namespace)}`,
    `    name: ${JSON.stringify(inferenceSet.name)}`,
    ...(addresses.length === 0 ? ['    workspaces: []'] : ['    workspaces:', ...addresses.map((address) => `      - ${address}`)]),
    '',
  ].join('\n');
}
