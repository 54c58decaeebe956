import { readInferenceSet, syncRequest, type InferenceSetDocument } from '../dev/scaled-object.js';
import type { KubeObject } from '../hooks/objects.js';
import type { RenderConfig } from '../hooks/render.js';
import { sync } from '../hooks/sync.js';
import { fail, ok, type Result } from '../lib/result.js';
import { oneRoundAggregation, type Aggregation } from '../scaler/aggregate.js';
import { parseTriggerMetadata, type TriggerConfig } from '../scaler/metadata.js';
import type { HpaSpec } from './hpa.js';
import { hpaOf } from './keda.js';

/**
 * A policy to rehearse: an annotated InferenceSet, rendered by the sync hook exactly as
 * in the cluster (so a policy the hooks refuse is refused here with the same reason and
 * message), or a ScaledObject written by hand for this scaler (for a behaviour the
 * annotations do not offer); its trigger read by the scaler's own metadata parser, and the
 * HPA that KEDA would create from the ScaledObject.
 */
export interface Policy {
  /** The InferenceSet's name: how the policy is called in every output. */
  /** The InferenceSet's name, or the hand-written ScaledObject's. */
  readonly name: string;
  readonly scaledObject: KubeObject;
  readonly trigger: TriggerConfig;
  /** The scaler's aggregation of the trigger, which the rehearsal runs. */
  readonly aggregation: Aggregation;
  readonly hpa: HpaSpec;
}

export function readPolicy(text: string, file: string, render: RenderConfig): Result<Policy> {
  const document = readInferenceSet(text, file);
  if (!document.ok) return document;
  const scaledObject =
    document.value.object['kind'] === 'ScaledObject'
      ? ok(document.value.object as unknown as KubeObject)
      : rendered(document.value, file, render);
  if (!scaledObject.ok) return scaledObject;
  const triggers = scaledObject.value.spec?.['triggers'];
  const only = Array.isArray(triggers) && triggers.length === 1 ? (triggers[0] as { type?: unknown; metadata?: unknown }) : undefined;
  if (only === undefined || only.type !== 'external' || typeof only.metadata !== 'object' || only.metadata === null) {
    return fail('UnsupportedPolicy', `${file}: simulate rehearses ScaledObjects with one external trigger for this scaler`);
  }
  const trigger = parseTriggerMetadata(only.metadata as Record<string, string>);
  if (!trigger.ok) return trigger;
  const aggregation = oneRoundAggregation(trigger.value.aggregation);
  if (aggregation === undefined) {
    return fail(
      'UnsupportedPolicy',
      `${file}: simulate rehearses aggregations that read one scrape round (sum, service-avg), not ${trigger.value.aggregation}`,
    );
  }
  const hpa = hpaOf(scaledObject.value, () => ok(trigger.value.threshold));
  if (!hpa.ok) return hpa;
  return ok({ name: document.value.name, scaledObject: scaledObject.value, trigger: trigger.value, aggregation, hpa: hpa.value });
}

/** The ScaledObject the sync hook renders for an InferenceSet, or its refusal. */
function rendered(inferenceSet: InferenceSetDocument, file: string, render: RenderConfig): Result<KubeObject> {
  const answer = sync(syncRequest(inferenceSet), render);
  if (!answer.ok) return answer;
  const objects = 'attachments' in answer.value ? answer.value.attachments : answer.value.children;
  const scaledObject = objects.find((object) => object.kind === 'ScaledObject');
  if (scaledObject !== undefined) return ok(scaledObject);
  return fail(
    'NotAutoscaled',
    `the hooks render no ScaledObject for ${file}: annotate it with scaledobject.kaito.sh/auto-provision: "true" ` +
      'and a scaledobject.kaito.sh/threshold',
  );
}
