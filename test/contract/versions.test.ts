import { readFileSync } from 'node:fs';
import { customize } from '../../hooks/customize.js';
import { ANNOTATIONS } from '../../schemas/annotations.js';
import { autoscaled, inferenceSet } from '../hooks/builders.js';
import { selectionError } from '../support/metacontroller-decoder.js';
import { doc, docFiles, docSection, tableAfter } from '../support/docs.js';

/**
 * The README's Versions table and docs/compatibility.md against what the code and the other
 * projects' source say: each line of the table is a claim a test can hold.
 */
const compatibility = doc('docs/compatibility.md');
const section = (heading: string) => docSection('README.md', heading);
const flat = (text: string) => text.replace(/\s+/g, ' ');
const rows = new Map(
  tableAfter(section('Install'), '<!-- versions -->').map(([component, minimum, checked, note]) => [
    component,
    { minimum, checked, note: note ?? '' },
  ]),
);
const row = (component: string) => {
  const found = rows.get(component);
  if (!found) throw new Error(`the Versions table has no row ${component}`);
  return found;
};

describe('README: Versions', () => {
  it('has one row for each project we rely on', () => {
    expect([...rows.keys()]).toEqual(['Metacontroller', 'KEDA', 'Kubernetes', 'KAITO']);
  });

  it('Metacontroller: the minimum is the oldest release that accepts every customize rule', () => {
    const rules = customize({ parent: inferenceSet(autoscaled()) });
    if (!rules.ok) throw new Error(rules.problem.message);
    const refusedBefore = rules.value.relatedResources.some((rule) => selectionError({ ...rule }, 'v4.14') !== undefined);
    const acceptedFrom = rules.value.relatedResources.every((rule) => selectionError({ ...rule }, 'v4.15+') === undefined);
    expect([refusedBefore, acceptedFrom]).toEqual([true, true]);
    expect(row('Metacontroller')).toEqual({
      minimum: 'v4.15.0',
      checked: 'v4.17.2',
      note: expect.stringMatching(/labelSelector.*every sync fails/),
    });
  });

  it('KEDA: 2.17 (float targets, enableTLS), tolerance from 2.18, a restart after rotation on 2.17 to 2.19', () => {
    const { minimum, checked, note } = row('KEDA');
    expect([minimum, checked]).toEqual(['2.17', '2.20.2']);
    expect(note).toMatch(/enableTLS/);
    expect(note).toMatch(/`tolerance` needs 2\.18/);
    expect(note).toMatch(/2\.17 to 2\.19 .*restart keda-operator/);
  });

  it('Kubernetes: tolerance needs the HPAConfigurableTolerance gate, not just a version', () => {
    expect(row('Kubernetes').note).toMatch(/HPAConfigurableTolerance/);
    for (const file of docFiles()) expect(flat(doc(file))).not.toMatch(/tolerance, Kubernetes 1\.33\+/);
    expect(flat(docSection('docs/hooks.md', 'The ScaledObject'))).toMatch(
      /KEDA 2\.18\+ and Kubernetes' `HPAConfigurableTolerance` feature gate/,
    );
  });

  it('KAITO: v0.8.0, and the feature gate v0.8 to v0.10 need', () => {
    expect(row('KAITO')).toEqual({
      minimum: 'v0.8.0',
      checked: 'v0.12.0',
      note: expect.stringMatching(/featureGates\.enableInferenceSetController=true/),
    });
  });
});

describe('docs/compatibility.md', () => {
  const text = flat(compatibility);

  it('says how to keep private keys out of an annotation', () => {
    expect(text).toMatch(/metacontroller\.k8s\.io\/last-applied-configuration/);
    expect(text).toMatch(/--apply-strategy=server-side-apply/);
    expect(flat(section('Install'))).toMatch(/--apply-strategy=server-side-apply/);
  });

  it('no longer says KEDA re-reads rotated certificates on every release', () => {
    expect(text).toMatch(/Certificate rotation, 2\.17 to 2\.19\.\*\* These releases keep one gRPC connection per `scalerAddress`/);
    expect(flat(docSection('docs/certificates.md', 'Certificates'))).toMatch(
      /KEDA 2\.17 to 2\.19 keep the first certificates for the operator's lifetime/,
    );
    expect(flat(docSection('docs/certificates.md', 'Certificates'))).not.toMatch(/KEDA keeps the credentials it read until a call fails/);
  });

  it("names KEDA's namespace as a parameter and why the install lives there", () => {
    expect(text).toMatch(/KEDA_CLUSTER_OBJECT_NAMESPACE/);
    expect(text).toMatch(/manifests\/overlays\/keda-namespace/);
  });

  it('tells the truth about deadlines: the scale loop sets none', () => {
    expect(text).toMatch(/scale loop calls the scaler with no gRPC deadline/);
    expect(flat(docSection('docs/scaler.md', 'The external scaler'))).toMatch(
      /KEDA's scale loop \(every `pollingInterval`\) calls with no deadline/,
    );
    const proto = flat(readFileSync(new URL('../../proto/externalscaler.proto', import.meta.url), 'utf8'));
    expect(proto).toMatch(/strips that prefix again before it calls/);
  });

  it('says why the rendered ScaledObject sets no pollingInterval', () => {
    expect(text).toMatch(/No `pollingInterval`/);
  });

  it("covers KAITO's vLLM queue guard, the transformers runtime and surge upgrades", () => {
    expect(text).toMatch(/max_num_seqs.*--kaito-disable-rate-limit/);
    expect(text).toMatch(/transformers runtime\*\* serves `\/metrics` as JSON/);
    expect(text).toMatch(/autoUpgrade\.strategy: Surge/);
  });

  it(`names the annotation another install writes too (${ANNOTATIONS.managedBy})`, () => {
    expect(text).toContain(`${ANNOTATIONS.managedBy}: keda-kaito-scaler`);
  });
});
