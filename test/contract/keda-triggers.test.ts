import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../hooks/objects.js';
import { sync } from '../../hooks/sync.js';
import { hooksCommand } from '../../schemas/hooks-options.js';
import { autoscaled, inferenceSet } from '../hooks/builders.js';
import { dialOf, type ResolvedAuth, type Trigger } from '../support/keda-trigger.js';
import { blockAfter, doc } from '../support/docs.js';

const defaults = hooksCommand.validate({});
if (!defaults.ok) throw new Error(defaults.problem.message);
const config = defaults.value;

const triggersRenderedFor = (object: KubeObject): Trigger[] => {
  const result = sync({ object, attachments: {}, related: {} }, config);
  if (!result.ok || !('attachments' in result.value)) throw new Error('expected a ScaledObject');
  return result.value.attachments.flatMap((object: KubeObject) => (object.spec?.['triggers'] ?? []) as Trigger[]);
};
const renderedTriggers = (): Trigger[] => triggersRenderedFor(inferenceSet(autoscaled()));
/** Every composite trigger, the readiness gate included. */
const compositeTriggers = (): Trigger[] => {
  const triggers = triggersRenderedFor(
    parse(readFileSync(new URL('../../examples/inferenceset-composite.yaml', import.meta.url), 'utf8')) as KubeObject,
  );
  if (!triggers.some((trigger) => trigger.name === 'readiness_gate'))
    throw new Error('expected the readiness gate among the composite triggers');
  return triggers;
};

const handWritten = (): Trigger[] => {
  const object = parse(readFileSync(new URL('../../examples/scaledobject.yaml', import.meta.url), 'utf8')) as KubeObject;
  return object.spec?.['triggers'] as Trigger[];
};

const found: ResolvedAuth = { caCert: 'ca', tlsClientCert: 'cert', tlsClientKey: 'key' };
const notFound: ResolvedAuth = {};

describe('every trigger we render or show, read as KEDA v2.20.2 reads it', () => {
  const sources: Array<[string, () => Trigger[]]> = [
    ['rendered by the sync hook', renderedTriggers],
    ['rendered by the sync hook in composite mode (examples/inferenceset-composite.yaml)', compositeTriggers],
    ['examples/scaledobject.yaml', handWritten],
    [
      'the docs/trigger-metadata.md example',
      () => (parse(blockAfter(doc('docs/trigger-metadata.md'), '<!-- trigger metadata example -->')) as { triggers: Trigger[] }).triggers,
    ],
  ];

  it.each(sources)('%s: the scaler address, TLS with the Secrets found', (_name, triggers) => {
    for (const trigger of triggers()) {
      expect(dialOf(trigger, () => found)).toEqual({ address: config.scalerAddress, tls: true });
    }
  });

  it.each(sources)('%s: still TLS when KEDA finds no Secret (a failed handshake, never plaintext)', (_name, triggers) => {
    for (const trigger of triggers()) expect(dialOf(trigger, () => notFound).tls).toBe(true);
  });

  it.each(sources)('%s: every trigger names its own authentication (KEDA resolves it per trigger)', (_name, triggers) => {
    for (const trigger of triggers()) {
      expect(trigger.authenticationRef).toEqual({ kind: 'ClusterTriggerAuthentication', name: config.triggerAuthentication });
    }
  });
});

describe('the model of KEDA', () => {
  const base: Trigger = { type: 'external', metadata: { scalerAddress: 'scaler:10450' } };
  it.each<[string, Trigger, ResolvedAuth, boolean | RegExp]>([
    ['no enableTLS, nothing found -> plaintext', base, notFound, false],
    ['no enableTLS, a CA found -> TLS', { ...base, authenticationRef: { name: 'a' } }, { caCert: 'ca' }, true],
    ['no enableTLS, no authenticationRef -> plaintext', base, found, false],
    ['enableTLS "True" -> TLS', { ...base, metadata: { ...base.metadata, enableTLS: 'True' } }, notFound, true],
    ['enableTLS "yes" -> refused', { ...base, metadata: { ...base.metadata, enableTLS: 'yes' } }, notFound, /invalid syntax/],
    ['no scalerAddress -> refused', { type: 'external', metadata: {} }, notFound, /scalerAddress/],
  ])('%s', (_name, trigger, auth, expected) => {
    if (expected instanceof RegExp) expect(() => dialOf(trigger, () => auth)).toThrow(expected);
    else expect(dialOf(trigger, () => auth).tls).toBe(expected);
  });
});

/**
 * KEDA v2.20.2's admission webhook (apis/keda/v1alpha1/scaledobject_webhook.go,
 * verifyScaledObjects) warns, and records an Event, on every write of a ScaledObject that
 * sets pollingInterval or cooldownPeriod where KEDA does not use them: minReplicaCount > 0,
 * idleReplicaCount not 0, no trigger with useCachedMetrics.
 */
function admissionWarnings(spec: Record<string, any>): string[] {
  const idleNotZero = spec['idleReplicaCount'] === undefined || spec['idleReplicaCount'] !== 0;
  const minAboveZero = (spec['minReplicaCount'] ?? 0) > 0;
  const cached = (spec['triggers'] ?? []).some((trigger: { useCachedMetrics?: boolean }) => trigger.useCachedMetrics === true);
  const warnings: string[] = [];
  if (spec['pollingInterval'] !== undefined && minAboveZero && idleNotZero && !cached)
    warnings.push('PollingInterval is configured but is not relevant');
  if (spec['cooldownPeriod'] !== undefined && minAboveZero && idleNotZero)
    warnings.push('CooldownPeriod is configured but is not relevant');
  return warnings;
}

describe("KEDA's admission webhook", () => {
  it.each(['1', '3'])('has nothing to warn about in a rendered ScaledObject (min-replicas %s)', (minReplicas) => {
    const result = sync(
      { object: inferenceSet(autoscaled({ 'scaledobject.kaito.sh/min-replicas': minReplicas })), attachments: {}, related: {} },
      config,
    );
    if (!result.ok || !('attachments' in result.value)) throw new Error('expected a ScaledObject');
    const [scaledObject] = result.value.attachments;
    expect(admissionWarnings(scaledObject?.spec as Record<string, unknown>)).toEqual([]);
  });

  it('has nothing to warn about in examples/scaledobject.yaml', () => {
    const object = parse(readFileSync(new URL('../../examples/scaledobject.yaml', import.meta.url), 'utf8')) as KubeObject;
    expect(admissionWarnings(object.spec as Record<string, unknown>)).toEqual([]);
  });

  it('the model warns where KEDA does', () => {
    expect(admissionWarnings({ minReplicaCount: 1, pollingInterval: 15, triggers: [] })).toHaveLength(1);
    expect(admissionWarnings({ minReplicaCount: 0, pollingInterval: 15, triggers: [] })).toEqual([]);
  });
});
