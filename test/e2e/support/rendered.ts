import { readFileSync } from 'node:fs';
import { systemRandomness } from '../../../certs/issue.js';
import { SECRET_NAMES, syncCertificates, type Secret } from '../../../hooks/certificates.js';
import type { KubeObject } from '../../../hooks/objects.js';
import type { RenderConfig } from '../../../hooks/render.js';
import { sync } from '../../../hooks/sync.js';
import { ANNOTATIONS } from '../../../schemas/annotations.js';
import { parse } from 'yaml';

/** What the hooks render, from the hooks' own functions, with the defaults the manifests install. */

export const KEDA_NAMESPACE = 'keda';
export const SCALER_SERVICE = 'keda-kaito-scaler-svc';
export const RENDER: RenderConfig = {
  scalerAddress: `${SCALER_SERVICE}.${KEDA_NAMESPACE}.svc.cluster.local:10450`,
  triggerAuthentication: 'keda-kaito-scaler-creds',
};

/** The three Secrets the certificates hook answers for the scaler's Service, issued now. */
export function certificateSecrets(): { readonly ca: Secret; readonly server: Secret; readonly client: Secret } {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SCALER_SERVICE, namespace: KEDA_NAMESPACE, uid: 'e2e' },
    spec: { ports: [{ name: 'grpc', port: 10450 }] },
  };
  const answer = syncCertificates(
    { controller: { kind: 'DecoratorController' }, object: service, attachments: {}, related: {} },
    {
      now: new Date(),
      random: systemRandomness,
    },
  );
  if (!answer.ok) throw new Error(`certificates hook: ${answer.problem.message}`);
  const byName = new Map(answer.value.response.attachments.map((secret) => [secret.metadata.name, secret]));
  const pick = (name: string) => {
    const secret = byName.get(name);
    if (!secret) throw new Error(`certificates hook answered no Secret ${name}`);
    return secret;
  };
  return { ca: pick(SECRET_NAMES.ca), server: pick(SECRET_NAMES.server), client: pick(SECRET_NAMES.client) };
}

export function inferenceSet(name: string, namespace: string, annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'InferenceSet',
    metadata: { name, namespace, annotations: { [ANNOTATIONS.autoProvision]: 'true', ...annotations } },
    spec: {
      replicas: 1,
      labelSelector: { matchLabels: { apps: name } },
      template: { inference: { preset: { name: 'phi-4-mini-instruct' } } },
    },
  };
}

/** The ScaledObject the sync hook renders for an InferenceSet (a DecoratorController request). */
export function renderedScaledObject(object: KubeObject, config: Partial<RenderConfig> = {}): KubeObject {
  const answer = sync({ controller: { kind: 'DecoratorController' }, object, attachments: {}, related: {} }, { ...RENDER, ...config });
  if (!answer.ok) throw new Error(`sync hook: ${answer.problem.message}`);
  const [scaledObject] = 'attachments' in answer.value ? answer.value.attachments : answer.value.children;
  if (!scaledObject) throw new Error('sync hook rendered no ScaledObject');
  return scaledObject;
}

/** The ClusterTriggerAuthentication the manifests install. */
export function clusterTriggerAuthentication(): KubeObject {
  const file = new URL('../../../manifests/base/clustertriggerauthentication.yaml', import.meta.url);
  return parse(readFileSync(file, 'utf8')) as KubeObject;
}
