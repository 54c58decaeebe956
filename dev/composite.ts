import type { CompositePolicy } from '../hooks/composite.js';
import type { Answer } from '../scaler/client.js';
import { evaluateFormula } from './formula.js';

/**
 * The dev stack in composite mode: the ScaledObject's triggers (one per signal and the
 * readiness gate) polled as KEDA polls them, and the formula's branch each time.
 */
export interface CompositeScaledObject {
  readonly namespace: string;
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly formula: string;
  readonly triggers: ReadonlyArray<{ readonly name: string; readonly metadata: Readonly<Record<string, string>> }>;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The composite ScaledObject of a 200 sync answer; undefined for anything else (single-threshold mode reads it). */
export function readCompositeAnswer(status: number, body: unknown): CompositeScaledObject | undefined {
  if (status !== 200 || !isMapping(body) || !Array.isArray(body['attachments'])) return undefined;
  const object = body['attachments'].find((entry) => isMapping(entry) && entry['kind'] === 'ScaledObject');
  if (!isMapping(object) || !isMapping(object['metadata']) || !isMapping(object['spec'])) return undefined;
  const { metadata, spec } = object;
  const modifiers = isMapping(spec['advanced']) ? spec['advanced']['scalingModifiers'] : undefined;
  if (!isMapping(modifiers) || typeof modifiers['formula'] !== 'string' || !Array.isArray(spec['triggers'])) return undefined;
  const triggers = spec['triggers'].flatMap((trigger) =>
    isMapping(trigger) && typeof trigger['name'] === 'string' && isMapping(trigger['metadata'])
      ? [{ name: trigger['name'], metadata: trigger['metadata'] as Record<string, string> }]
      : [],
  );
  return {
    namespace: String(metadata['namespace']),
    name: String(metadata['name']),
    min: Number(spec['minReplicaCount']),
    max: Number(spec['maxReplicaCount']),
    formula: modifiers['formula'],
    triggers,
  };
}

export interface TriggerPoll {
  readonly name: string;
  readonly value: Answer<number>;
  /** Why the value is not a reading (WarmingUp, Stale, ...), as the scaler's decision says. */
  readonly reason?: string;
}

/**
 * `t=52s  burst   vllm_num_requests_waiting=24.3  vllm_request_queue_time_seconds=1.42  readiness_gate=1  -> 2.0 scale up`
 */
export function formatCompositePoll(elapsedSeconds: number, phase: string, policy: CompositePolicy, polls: readonly TriggerPoll[]): string {
  const head = `${`t=${elapsedSeconds}s`.padEnd(6)} ${phase.padEnd(6)}`;
  const shown = polls.map((poll) => {
    const value = poll.value.ok ? String(Number(poll.value.value.toPrecision(4))) : poll.value.problem.reason;
    return `${poll.name}=${value}${poll.reason === undefined ? '' : ` (${poll.reason}: neutral)`}`;
  });
  const values: Record<string, number> = {};
  for (const poll of polls) if (poll.value.ok) values[poll.name] = poll.value.value;
  const result = evaluateFormula(policy, values);
  const failed = polls.find((poll) => !poll.value.ok);
  let verdict: string;
  if (result === undefined) {
    verdict = `-> formula fails (${failed?.name ?? 'a trigger'} has no value): the HPA holds`;
  } else if (result.branch === 'up') {
    verdict = '-> 2.0 scale up';
  } else if (result.branch === 'down') {
    verdict = '-> 0.5 scale down';
  } else {
    const wouldRise = values['readiness_gate'] === 0 && evaluateFormula(policy, { ...values, readiness_gate: 1 })?.branch === 'up';
    verdict = `-> 1.0 hold${wouldRise ? ' (hot, but the gate is closed)' : ''}`;
  }
  return `${head}  ${shown.join('  ')}  ${verdict}`;
}

export interface CompositeBannerInput {
  readonly head: readonly string[];
  readonly inferenceSetFile: string;
  readonly scaledObject: CompositeScaledObject;
  readonly commands: { readonly curl: string; readonly query: string };
  readonly pollSeconds: number;
}

export function formatCompositeBanner(input: CompositeBannerInput): string[] {
  const so = input.scaledObject;
  return [
    ...input.head,
    '',
    `The sync hook rendered ScaledObject ${so.namespace}/${so.name} from ${input.inferenceSetFile} (composite mode), replicas ${so.min}..${so.max}:`,
    ...so.triggers.map((trigger) => {
      const { aggregation = 'sum', upThreshold, downThreshold, metricCacheWindow } = trigger.metadata;
      const bounds = upThreshold === undefined ? '' : `, up > ${upThreshold}, down < ${downThreshold}`;
      const window = metricCacheWindow === undefined ? '' : `, window ${metricCacheWindow} s`;
      return `  trigger ${trigger.name}: ${aggregation} of ${trigger.metadata['metricName'] ?? ''}${bounds}${window}`;
    }),
    `  formula ${so.formula}`,
    '',
    'Try, from this folder in another terminal:',
    `  $ ${input.commands.curl}`,
    `  $ ${input.commands.query}`,
    '',
    `Polling the scaler as KEDA does, every ${input.pollSeconds} s: GetMetrics for each trigger, then the formula.`,
  ];
}
