import { readInferenceSet, syncRequest } from '../dev/scaled-object.js';
import type { KubeObject } from '../hooks/objects.js';
import type { RenderConfig } from '../hooks/render.js';
import { sync } from '../hooks/sync.js';
import { fail, ok, type Result } from '../lib/result.js';
import { parseTriggerMetadata, type TriggerConfig } from '../scaler/metadata.js';
import type { HpaSpec } from './hpa.js';
import { hpaOf } from './keda.js';

/**
 * A policy to rehearse: an annotated InferenceSet, rendered by the sync hook exactly as
 * in the cluster (so a policy the hooks refuse is refused here with the same reason and
 * message), its trigger read by the scaler's own metadata parser, and the HPA that KEDA
 * would create from the ScaledObject.
 */
export interface Policy {
  /** The InferenceSet's name: how the policy is called in every output. */
  readonly name: string;
  readonly scaledObject: KubeObject;
  readonly trigger: TriggerConfig;
  readonly hpa: HpaSpec;
}

export function readPolicy(text: string, file: string, render: RenderConfig): Result<Policy> {
  const document = readInferenceSet(text, file);
  if (!document.ok) return document;
  const answer = sync(syncRequest(document.value), render);
  if (!answer.ok) return answer;
  const rendered = 'attachments' in answer.value ? answer.value.attachments : answer.value.children;
  const scaledObject = rendered.find((object) => object.kind === 'ScaledObject');
  if (scaledObject === undefined) {
    return fail(
      'NotAutoscaled',
      `the hooks render no ScaledObject for ${file}: annotate it with scaledobject.kaito.sh/auto-provision: "true" and a scaledobject.kaito.sh/threshold`,
    );
  }
  const triggers = scaledObject.spec?.['triggers'];
  if (!Array.isArray(triggers) || triggers.length !== 1) {
    return fail('UnsupportedPolicy', `${file}: simulate rehearses ScaledObjects with one trigger; this one has ${Array.isArray(triggers) ? triggers.length : 0}`);
  }
  const trigger = parseTriggerMetadata((triggers[0] as { metadata: Record<string, string> }).metadata);
  if (!trigger.ok) return trigger;
  const hpa = hpaOf(scaledObject, () => ok(trigger.value.threshold));
  if (!hpa.ok) return hpa;
  return ok({ name: document.value.name, scaledObject, trigger: trigger.value, hpa: hpa.value });
}
