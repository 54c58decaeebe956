import { existsSync } from 'node:fs';
import { parse } from 'yaml';
import { parseTriggerMetadata } from '../../scaler/metadata.js';
import { ANNOTATIONS, validateAnnotations } from '../../schemas/annotations.js';
import { crdValidator, findCrd } from '../support/crd-schema.js';
import { doc, docSection } from '../support/docs.js';
import { copy, find, kustomize, readRepositoryFile, repositoryRoot, type Manifest } from './render.js';
import { ingressAllowed, namespace } from './rules.js';

// The README's Install, Two ways to autoscale, Verify, Troubleshooting and Uninstall sections
// against the files and objects they speak of.

const readme = doc('README.md');
const section = (title: string) => docSection('README.md', title);
const shellBlocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
const commands = (text: string) =>
  shellBlocks(text)
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');

const manifests = kustomize('manifests');
const grpcService = find(manifests, 'Service', 'keda-kaito-scaler-svc');
const creds = find(manifests, 'ClusterTriggerAuthentication', 'keda-kaito-scaler-creds');

describe('README: Two ways to autoscale', () => {
  const text = section('Two ways to autoscale');
  const file = readRepositoryFile('examples/scaledobject.yaml');
  const example = parse(file) as Manifest;

  it('shows examples/scaledobject.yaml as it is (without its header comment)', () => {
    const page = docSection('docs/scaler.md', 'Write the ScaledObject yourself');
    const shown = /<!-- examples\/scaledobject.yaml -->\n```yaml\n([\s\S]*?)```/.exec(page)?.[1];
    expect(shown).toBe(file.replace(/^(#.*\n)+/, ''));
  });

  it('the example is a valid ScaledObject for an InferenceSet', () => {
    expect(crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1')(example)).toEqual([]);
    const target = example['spec'].scaleTargetRef;
    expect(target.kind).toBe('InferenceSet');
    expect(findCrd(target.apiVersion, target.kind)).toBeDefined();
  });

  it('the example points KEDA at the scaler Service with the install’s ClusterTriggerAuthentication', () => {
    const [trigger, ...others] = example['spec'].triggers;
    expect(others).toEqual([]);
    expect(trigger.type).toBe('external');
    expect(trigger.authenticationRef).toEqual({ kind: creds.kind, name: creds.metadata.name });
    const { name, namespace: serviceNamespace } = grpcService.metadata;
    expect(trigger.metadata.scalerAddress).toBe(`${name}.${serviceNamespace}.svc.cluster.local:${grpcService['spec'].ports[0].port}`);
    expect(trigger.metadata.inferenceSetName).toBe(example['spec'].scaleTargetRef.name);
    expect(trigger.metadata.inferenceSetNamespace).toBe(example.metadata.namespace);
  });

  it('the example’s trigger metadata is what the scaler accepts', () => {
    const parsed = parseTriggerMetadata(example['spec'].triggers[0].metadata);
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ metricName: 'vllm:num_requests_running', threshold: 8, scrapeTimeoutMs: 2000 }),
    });
  });

  it('annotates with annotations the hooks accept', () => {
    const [annotate] = commands(text).filter((line) => line.startsWith('kubectl annotate'));
    const pairs = Object.fromEntries(
      (annotate ?? '')
        .split(/\s+/)
        .filter((word) => word.includes('='))
        .map((word) => word.split('=') as [string, string]),
    );
    expect(pairs[ANNOTATIONS.autoProvision]).toBe('true');
    expect(Object.keys(pairs).every((key) => (Object.values(ANNOTATIONS) as string[]).includes(key))).toBe(true);
    const { [ANNOTATIONS.autoProvision]: _enabled, ...rules } = pairs;
    expect(validateAnnotations(rules).ok).toBe(true);
  });
});

describe('README: Install', () => {
  const text = section('Install');

  it.each([
    ...new Set([...readme.matchAll(/kubectl (?:apply|delete) -k ([^\s`]+)/g)].map((match) => (match[1] as string).replace(/\/$/, ''))),
  ])('kubectl apply -k %s renders', (directory) => {
    expect(existsSync(`${repositoryRoot}${directory}/kustomization.yaml`)).toBe(true);
    expect(kustomize(directory).length).toBeGreaterThan(0);
  });

  it('builds and pushes the image that examples/install deploys', () => {
    const built = /docker build -t (\S+) \./.exec(text)?.[1];
    const pushed = /docker push (\S+)/.exec(text)?.[1];
    expect(pushed).toBe(built);
    const images = find(kustomize('examples/install'), 'Deployment', 'keda-kaito-scaler')['spec'].template.spec.containers.map(
      (container: { image: string }) => container.image,
    );
    expect(new Set(images)).toEqual(new Set([built]));
  });

  it('examples/install changes the image and the namespace the hooks accept calls from, and nothing else', () => {
    const install = kustomize('examples/install');
    const expected = copy(manifests);
    for (const container of find(expected, 'Deployment', 'keda-kaito-scaler')['spec'].template.spec.containers) {
      container.image = find(install, 'Deployment', 'keda-kaito-scaler')['spec'].template.spec.containers[0].image;
    }
    const hooksPolicy = find(expected, 'NetworkPolicy', 'keda-kaito-scaler-hooks');
    hooksPolicy['spec'].ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] = 'metacontroller-system';
    expect(install).toEqual(expected);

    const pod = { namespace: 'keda', labels: find(install, 'Deployment', 'keda-kaito-scaler')['spec'].template.metadata.labels };
    const policies = install.filter((object) => object.kind === 'NetworkPolicy');
    expect(ingressAllowed(policies, pod, 8080, { from: namespace('metacontroller-system'), labels: {} })).toBe(true);
    expect(ingressAllowed(policies, pod, 8080, { from: namespace('metacontroller'), labels: {} })).toBe(false);
  });
});

describe('README: Verify and Uninstall', () => {
  it('looks for the Secrets the install mounts and hands to KEDA', () => {
    const [getSecrets] = commands(section('Verify')).filter((line) => line.includes('get secret'));
    const mounted = find(manifests, 'Deployment', 'keda-kaito-scaler')['spec'].template.spec.volumes.find(
      (volume: { secret?: unknown }) => volume.secret,
    ).secret.secretName;
    const handed = creds['spec'].secretTargetRef.map((ref: { name: string }) => ref.name);
    for (const name of [mounted, ...handed]) expect(getSecrets).toContain(` ${name}`);
  });

  it('checks the rollout of the Deployment the install creates', () => {
    expect(commands(section('Verify'))).toContain('kubectl -n keda rollout status deployment/keda-kaito-scaler');
  });

  it('stops auto-provisioning by removing the annotation the hooks read', () => {
    expect(commands(section('Uninstall'))).toContain(`kubectl annotate inferenceset --all --all-namespaces ${ANNOTATIONS.autoProvision}-`);
  });
});
