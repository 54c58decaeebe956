import { readCompositePolicy } from '../../hooks/composite.js';
import { formula } from '../../hooks/render-composite.js';
import { evaluateFormula, type Branch } from '../../dev/formula.js';
import { TWO_METRICS } from '../hooks/upstream-annotations.js';

const policyOf = (combine: string) => {
  const policy = readCompositePolicy({ 'scaledobject.kaito.sh/metrics': TWO_METRICS, 'scaledobject.kaito.sh/combinepolicy': combine });
  if (!policy.ok) throw new Error(policy.problem.message);
  return policy.value;
};

describe('evaluateFormula: what the rendered formula gives', () => {
  it.each<[string, string, number, number, number, Branch | undefined]>([
    ['AND: both hot, gate open', 'AND', 1, 11, 2, 'up'],
    ['AND: one hot', 'AND', 1, 11, 1, 'hold'],
    ['AND: both hot, gate closed', 'AND', 0, 11, 2, 'hold'],
    ['AND: both cool', 'AND', 1, 1, 0.1, 'down'],
    ['AND: both cool, gate closed: still down', 'AND', 0, 1, 0.1, 'down'],
    ['OR: one hot', 'OR', 1, 11, 0.1, 'up'],
    ['OR: one hot, gate closed', 'OR', 0, 11, 0.1, 'hold'],
    ['OR: one cool, one between', 'OR', 1, 1, 1, 'hold'],
    ['exactly at the up threshold is not above it', 'AND', 1, 10, 1.5, 'hold'],
    ['exactly at the down threshold is not below it', 'AND', 1, 2, 0.5, 'hold'],
  ])('%s', (_name, combine, gate, waiting, queue, branch) => {
    const values = { readiness_gate: gate, vllm_num_requests_waiting: waiting, vllm_request_queue_time_seconds: queue };
    expect(evaluateFormula(policyOf(combine), values)?.branch).toBe(branch);
  });

  it('a missing value fails the whole formula, as in KEDA', () => {
    expect(evaluateFormula(policyOf('AND'), { readiness_gate: 1, vllm_num_requests_waiting: 1 })).toBeUndefined();
  });

  it('evaluates the policy the rendered formula spells', () => {
    expect(formula(policyOf('OR'))).toContain('(vllm_num_requests_waiting > 10 || vllm_request_queue_time_seconds > 1.5)');
  });
});
