import { chooseVersion, type ServedResources } from '../../../scaler/discovery/api-versions.js';
import { missingCrdsReason } from '../../../scaler/discovery/crds.js';

const served = (entries: Record<string, string[]>): ServedResources => new Map(Object.entries(entries));
const both = ['inferencesets', 'inferencesets/status', 'workspaces', 'workspaces/status'];

describe('chooseVersion: v1beta1, else v1alpha1, per resource', () => {
  it.each<[string, string, Record<string, string[]>, string]>([
    ['both versions served', 'workspaces', { v1beta1: both, v1alpha1: both }, 'v1beta1'],
    ['only v1beta1', 'workspaces', { v1beta1: both }, 'v1beta1'],
    ['only v1alpha1', 'workspaces', { v1alpha1: both }, 'v1alpha1'],
    ['v1beta1 serves other kinds only', 'inferencesets', { v1beta1: ['workspaces'], v1alpha1: both }, 'v1alpha1'],
    ['the other resource of that group', 'workspaces', { v1beta1: ['workspaces'], v1alpha1: both }, 'v1beta1'],
    ['a subresource is not the resource', 'inferencesets', { v1beta1: ['inferencesets/status'], v1alpha1: ['inferencesets'] }, 'v1alpha1'],
  ])('%s: %s -> %s', (_, resource, entries, expected) => {
    expect(chooseVersion(resource, served(entries))).toEqual({ ok: true, value: expected });
  });

  it.each<[string, string, Record<string, string[]>, string]>([
    [
      'nothing served',
      'inferencesets',
      {},
      'the API server serves inferencesets.kaito.sh in none of v1beta1, v1alpha1: install or upgrade KAITO',
    ],
    [
      'served only in a version the scaler does not read',
      'inferencesets',
      { v1: ['inferencesets'] },
      'the API server serves inferencesets.kaito.sh in none of v1beta1, v1alpha1 (it serves only v1, which this scaler does not read): install or upgrade KAITO',
    ],
    [
      'the group serves only the other kind',
      'inferencesets',
      { v1beta1: ['workspaces'] },
      'the API server serves inferencesets.kaito.sh in none of v1beta1, v1alpha1: install or upgrade KAITO',
    ],
  ])('%s: VersionNotServed', (_, resource, entries, message) => {
    expect(chooseVersion(resource, served(entries))).toEqual({ ok: false, problem: { reason: 'VersionNotServed', message } });
  });
});

describe('missingCrdsReason', () => {
  const all = ['inferencesets.kaito.sh', 'workspaces.kaito.sh', 'scaledobjects.keda.sh'];
  it.each<[string[], string | undefined]>([
    [all, undefined],
    [[...all, 'other.example.com'], undefined],
    [[], 'waiting for CRDs inferencesets.kaito.sh, workspaces.kaito.sh, scaledobjects.keda.sh (install KAITO and KEDA)'],
    [['workspaces.kaito.sh', 'scaledobjects.keda.sh'], 'waiting for CRD inferencesets.kaito.sh (install KAITO)'],
    [['inferencesets.kaito.sh', 'workspaces.kaito.sh'], 'waiting for CRD scaledobjects.keda.sh (install KEDA)'],
    [['scaledobjects.keda.sh'], 'waiting for CRDs inferencesets.kaito.sh, workspaces.kaito.sh (install KAITO)'],
  ])('present %j -> %j', (present, expected) => {
    expect(missingCrdsReason(new Set(present))).toBe(expected);
  });
});
