import type { InferenceSetView } from '../../scaler/discovery/discovery.js';
import { gate } from '../../scaler/gate.js';

const view = (extra: Partial<InferenceSetView>): InferenceSetView => ({
  namespace: 'default',
  name: 'phi-4',
  allowedNamespaces: [],
  workspaces: [],
  ...extra,
});
const targets = (...addresses: string[]) => addresses.map((address) => ({ name: address, address }));

describe('gate from the InferenceSet (Kubernetes discovery)', () => {
  it.each<[string, { desired: number; ready: number }, 0 | 1]>([
    ['every replica ready', { desired: 2, ready: 2 }, 1],
    ['one still starting', { desired: 3, ready: 2 }, 0],
    ['none ready (readyReplicas absent = 0)', { desired: 1, ready: 0 }, 0],
    ['more ready than desired (scaling down)', { desired: 1, ready: 2 }, 1],
  ])('%s -> %s', (_name, replicas, value) => {
    // Scrape answers do not matter when the InferenceSet says.
    expect(gate(view({ replicas, workspaces: targets('a:1') }), () => false).value).toBe(value);
  });
});

describe('gate of static targets: every target answered its last scrape', () => {
  it.each<[string, string[], Record<string, boolean>, 0 | 1]>([
    ['all answered', ['a:1', 'b:2'], { 'a:1': true, 'b:2': true }, 1],
    ['one did not', ['a:1', 'b:2'], { 'a:1': true, 'b:2': false }, 0],
    ['one never scraped', ['a:1', 'b:2'], { 'a:1': true }, 0],
    ['no targets', [], {}, 0],
  ])('%s -> %s', (_name, addresses, answered, value) => {
    const reading = gate(view({ workspaces: targets(...addresses) }), (authority) => answered[authority]);
    expect(reading.value).toBe(value);
    if (value === 0 && addresses.length > 0) expect(reading.explanation).toMatch(/did not answer/);
  });
});
