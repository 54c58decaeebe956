import { copy, find, kustomize, ofKind, type Manifest } from './render.js';
import { clusterRoleProblems, hookTarget, ingressAllowed, namespace, podProblems, quantity, selects, type Grants } from './rules.js';

// Each rule the contract tests rely on, shown to catch the bad forms it is there for: the
// rendered install, broken one field at a time.

const objects = kustomize('manifests');
const deployment = find(objects, 'Deployment', 'keda-kaito-scaler');
const role = find(objects, 'ClusterRole', 'keda-kaito-scaler');
const services = ofKind(objects, 'Service');
const policies = ofKind(objects, 'NetworkPolicy');

type Mutation = (object: any) => void;
const broken = (object: Manifest, mutate: Mutation): Manifest => {
  const changed = copy(object);
  mutate(changed);
  return changed;
};
const hooks = (d: any) => d.spec.template.spec.containers[0];
const scaler = (d: any) => d.spec.template.spec.containers[1];

describe('podProblems', () => {
  it('finds nothing wrong with the Deployment as rendered', () => {
    expect(podProblems(deployment)).toEqual([]);
  });

  it.each<[string, Mutation, RegExp]>([
    [
      'runAsNonRoot dropped',
      (d) => delete d.spec.template.spec.securityContext.runAsNonRoot && delete hooks(d).securityContext.runAsNonRoot,
      /hooks: runAsNonRoot is not true/,
    ],
    ['uid 0', (d) => (scaler(d).securityContext.runAsUser = 0), /scaler: runs as uid 0/],
    [
      'privilege escalation allowed',
      (d) => (hooks(d).securityContext.allowPrivilegeEscalation = true),
      /hooks: allowPrivilegeEscalation is not false/,
    ],
    [
      'privilege escalation unset',
      (d) => delete scaler(d).securityContext.allowPrivilegeEscalation,
      /scaler: allowPrivilegeEscalation is not false/,
    ],
    [
      'a writable root filesystem',
      (d) => (scaler(d).securityContext.readOnlyRootFilesystem = false),
      /scaler: readOnlyRootFilesystem is not true/,
    ],
    ['privileged', (d) => (hooks(d).securityContext.privileged = true), /hooks: is privileged/],
    ['capabilities kept', (d) => (hooks(d).securityContext.capabilities = {}), /hooks: does not drop ALL capabilities/],
    ['a capability added', (d) => (scaler(d).securityContext.capabilities.add = ['NET_ADMIN']), /scaler: adds capabilities NET_ADMIN/],
    [
      'no seccomp profile',
      (d) => {
        delete d.spec.template.spec.securityContext.seccompProfile;
        delete hooks(d).securityContext.seccompProfile;
      },
      /hooks: seccompProfile is not RuntimeDefault/,
    ],
    ['an Unconfined seccomp profile', (d) => (scaler(d).securityContext.seccompProfile = { type: 'Unconfined' }), /scaler: seccompProfile/],
    ['no memory limit', (d) => delete scaler(d).resources.limits.memory, /scaler: has no memory limit/],
    ['no cpu request', (d) => delete hooks(d).resources.requests.cpu, /hooks: has no cpu request/],
    ['a request above its limit', (d) => (scaler(d).resources.requests.memory = '1Gi'), /scaler: memory request exceeds its limit/],
    ['no readiness probe', (d) => delete scaler(d).readinessProbe, /scaler: has no HTTP readinessProbe/],
    [
      'a probe on a port of the other container',
      (d) => (hooks(d).livenessProbe.httpGet.port = 'scaler-http'),
      /hooks: livenessProbe port scaler-http/,
    ],
    ['host networking', (d) => (d.spec.template.spec.hostNetwork = true), /the Pod sets hostNetwork/],
  ])('catches %s', (_name, mutate, problem) => {
    expect(podProblems(broken(deployment, mutate)).join('\n')).toMatch(problem);
  });
});

describe('clusterRoleProblems', () => {
  const grants: Grants = {
    'kaito.sh/inferencesets': { verbs: ['get', 'list', 'watch'] },
    'kaito.sh/workspaces': { verbs: ['get', 'list', 'watch'] },
    'apiextensions.k8s.io/customresourcedefinitions': {
      verbs: ['get'],
      resourceNames: ['inferencesets.kaito.sh', 'workspaces.kaito.sh', 'scaledobjects.keda.sh'],
    },
  };

  it('finds nothing wrong with the ClusterRole as rendered', () => {
    expect(clusterRoleProblems(role, grants)).toEqual([]);
  });

  it.each<[string, Mutation, RegExp]>([
    ['a write verb', (r) => r.rules[0].verbs.push('patch'), /grants patch on kaito.sh\/inferencesets/],
    ['a wildcard verb', (r) => (r.rules[0].verbs = ['*']), /grants \* on kaito.sh\/workspaces/],
    ['another resource', (r) => r.rules[0].resources.push('secrets'), /grants kaito.sh\/secrets/],
    ['a core resource', (r) => r.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }), /grants \/secrets/],
    ['a wildcard resource', (r) => (r.rules[0].resources = ['*']), /grants kaito.sh\/\*/],
    ['a wildcard group', (r) => (r.rules[0].apiGroups = ['*']), /grants \*\/inferencesets/],
    ['list on CRDs', (r) => r.rules[1].verbs.push('list'), /grants list on apiextensions.k8s.io\/customresourcedefinitions/],
    ['every CRD', (r) => delete r.rules[1].resourceNames, /grants every apiextensions.k8s.io\/customresourcedefinitions/],
    ['another CRD', (r) => r.rules[1].resourceNames.push('secrets.example.com'), /customresourcedefinitions secrets.example.com/],
    ['non-resource URLs', (r) => r.rules.push({ nonResourceURLs: ['/metrics'], verbs: ['get'] }), /non-resource URLs \/metrics/],
    ['aggregation', (r) => (r.aggregationRule = { clusterRoleSelectors: [] }), /aggregates other roles/],
  ])('catches %s', (_name, mutate, problem) => {
    expect(clusterRoleProblems(broken(role, mutate), grants).join('\n')).toMatch(problem);
  });
});

describe('hookTarget', () => {
  const hooksService = find(objects, 'Service', 'keda-kaito-scaler-hooks');

  it.each([
    ['http://keda-kaito-scaler-hooks.keda/sync', '/sync'],
    ['http://keda-kaito-scaler-hooks.keda.svc/customize', '/customize'],
    ['http://keda-kaito-scaler-hooks.keda.svc.cluster.local:80/certificates/sync', '/certificates/sync'],
  ])('resolves %s to the hooks Service, path %s', (url, path) => {
    expect(hookTarget({ url }, services)).toEqual({ service: hooksService, path });
  });

  it('resolves the service form', () => {
    expect(hookTarget({ service: { name: 'keda-kaito-scaler-hooks', namespace: 'keda', port: 80 }, path: '/sync' }, services)).toEqual({
      service: hooksService,
      path: '/sync',
    });
  });

  it.each([
    ['http://keda-kaito-scaler-hooks/sync', /not <service>.<namespace>/],
    ['https://keda-kaito-scaler-hooks.keda/sync', /not plain http/],
    ['http://keda-kaito-scaler-hooks.default/sync', /no Service default\/keda-kaito-scaler-hooks/],
    ['http://keda-kaito-scaler-hook.keda/sync', /no Service keda\/keda-kaito-scaler-hook\b/],
    ['http://keda-kaito-scaler-hooks.keda:8080/sync', /has no port 8080/],
    ['http://keda-kaito-scaler-hooks.keda.example.com/sync', /not <service>.<namespace>/],
    ['not a url', /is not a URL/],
  ])('refuses %s', (url, problem) => {
    expect(hookTarget({ url }, services)).toMatch(problem);
  });

  it('refuses a service form without namespace, and a webhook without a target', () => {
    expect(hookTarget({ service: { name: 'keda-kaito-scaler-hooks' }, path: '/sync' }, services)).toMatch(/has no namespace/);
    expect(hookTarget({}, services)).toMatch(/neither url nor service/);
  });
});

describe('ingressAllowed', () => {
  const pod = { namespace: 'keda', labels: deployment['spec'].template.metadata.labels };
  const anyone = { from: namespace('default'), labels: {} };

  it('lets everything in when no policy selects the Pod', () => {
    expect(ingressAllowed([], pod, 10451, anyone)).toBe(true);
    expect(ingressAllowed(policies, { namespace: 'keda', labels: { app: 'other' } }, 10451, anyone)).toBe(true);
    expect(ingressAllowed(policies, { namespace: 'default', labels: pod.labels }, 10451, anyone)).toBe(true);
  });

  it('ignores Egress-only policies', () => {
    const egressOnly = policies.map((policy) => broken(policy, (p) => (p.spec.policyTypes = ['Egress'])));
    expect(ingressAllowed(egressOnly, pod, 10451, anyone)).toBe(true);
  });

  it('reads a rule without ports as every port, and without peers as every peer', () => {
    const open = broken(policies[0] as Manifest, (p) => (p.spec.ingress = [{}]));
    expect(ingressAllowed([open], pod, 10451, anyone)).toBe(true);
  });

  it('reads a peer with a pod selector only as a Pod of the policy’s namespace', () => {
    const samenamespace = broken(policies[0] as Manifest, (p) => (p.spec.ingress = [{ from: [{ podSelector: {} }] }]));
    expect(ingressAllowed([samenamespace], pod, 8080, { from: namespace('keda'), labels: {} })).toBe(true);
    expect(ingressAllowed([samenamespace], pod, 8080, anyone)).toBe(false);
  });

  it('resolves named ports', () => {
    const named = broken(policies[0] as Manifest, (p) => (p.spec.ingress = [{ ports: [{ port: 'hooks-http' }] }]));
    expect(ingressAllowed([named], { ...pod, ports: { 'hooks-http': 8080 } }, 8080, anyone)).toBe(true);
    expect(ingressAllowed([named], { ...pod, ports: { 'hooks-http': 8080 } }, 10450, anyone)).toBe(false);
  });

  it('refuses selectors it cannot evaluate rather than guess', () => {
    expect(() => selects({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {})).toThrow(/not supported/);
  });
});

describe('quantity', () => {
  it.each([
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
  ])('%s = %d', (text, value) => {
    expect(quantity(text)).toBe(value);
  });

  it('refuses what is not a quantity', () => {
    expect(() => quantity('lots')).toThrow(/not a quantity/);
  });
});
