import { crdValidator, findCrd } from '../support/crd-schema.js';
import { parse } from 'yaml';
import { find, kustomize, ofKind, readRepositoryFile, type Manifest } from './render.js';
import { clusterRoleProblems, containerPort, hookTarget, ingressAllowed, namespace, podProblems, selects, type Grants } from './rules.js';

/**
 * The contract of `kubectl apply -k manifests/` (and of the overlay): every object renders,
 * every custom object is valid for its CRD, and the objects fit together and keep the
 * rules of least privilege. The hooks and the scaler themselves are checked against the
 * manifests in contracts.test.ts.
 */

const NAMESPACE = 'keda';
const NAME = 'keda-kaito-scaler';
const TLS_DIR = '/etc/keda-kaito-scaler/tls';

const installs = [
  { directory: 'manifests', inferenceSetVersion: 'kaito.sh/v1beta1' },
  { directory: 'manifests/overlays/kaito-v1alpha1', inferenceSetVersion: 'kaito.sh/v1alpha1' },
];

/** What the scaler may read: nothing more (see manifests/base/rbac.yaml). */
const SCALER_GRANTS: Grants = {
  'kaito.sh/inferencesets': { verbs: ['get', 'list', 'watch'] },
  'kaito.sh/workspaces': { verbs: ['get', 'list', 'watch'] },
  'apiextensions.k8s.io/customresourcedefinitions': {
    verbs: ['get'],
    resourceNames: ['inferencesets.kaito.sh', 'workspaces.kaito.sh', 'scaledobjects.keda.sh'],
  },
};

const BUILT_IN_SCOPES: Record<string, 'Namespaced' | 'Cluster'> = {
  ServiceAccount: 'Namespaced',
  Service: 'Namespaced',
  Deployment: 'Namespaced',
  PodDisruptionBudget: 'Namespaced',
  NetworkPolicy: 'Namespaced',
  ClusterRole: 'Cluster',
  ClusterRoleBinding: 'Cluster',
};
const BUILT_IN_GROUPS = ['v1', 'apps/v1', 'policy/v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1'];

const scopeOf = (object: Manifest) => BUILT_IN_SCOPES[object.kind] ?? findCrd(object.apiVersion, object.kind)?.scope;
const isCustom = (object: Manifest) => !BUILT_IN_GROUPS.includes(object.apiVersion);

/** `Kind/name`, with the namespace where there is one: the inventory of an install. */
const EXPECTED_OBJECTS = [
  ['ClusterRole', NAME, 'scaler'],
  ['ClusterRoleBinding', NAME, 'scaler'],
  ['ClusterTriggerAuthentication', 'keda-kaito-scaler-creds', 'scaler'],
  ['DecoratorController', 'keda-kaito-scaler-certificates', 'certificates'],
  ['DecoratorController', 'keda-kaito-scaler-inferencesets', 'hooks'],
  ['Deployment', `${NAMESPACE}/${NAME}`, 'server'],
  ['NetworkPolicy', `${NAMESPACE}/keda-kaito-scaler-grpc`, 'scaler'],
  ['NetworkPolicy', `${NAMESPACE}/keda-kaito-scaler-hooks`, 'hooks'],
  ['PodDisruptionBudget', `${NAMESPACE}/${NAME}`, 'server'],
  ['Service', `${NAMESPACE}/keda-kaito-scaler-hooks`, 'hooks'],
  ['Service', `${NAMESPACE}/keda-kaito-scaler-svc`, 'scaler'],
  ['ServiceAccount', `${NAMESPACE}/${NAME}`, 'scaler'],
] as const;

const idOf = (object: Manifest) =>
  `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;

const rendered = new Map(installs.map(({ directory }) => [directory, kustomize(directory)]));
const objectsOf = (directory: string): Manifest[] => rendered.get(directory) as Manifest[];

describe.each(installs)('kubectl kustomize $directory', ({ directory, inferenceSetVersion }) => {
  const objects = objectsOf(directory);
  const deployment = find(objects, 'Deployment', NAME);
  const pod = deployment['spec'].template;
  const container = (name: string) => {
    const found = pod.spec.containers.find((candidate: { name: string }) => candidate.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
  };
  const grpcService = find(objects, 'Service', 'keda-kaito-scaler-svc');
  const hooksService = find(objects, 'Service', 'keda-kaito-scaler-hooks');
  const services = ofKind(objects, 'Service');

  describe('the inventory', () => {
    it('renders exactly the objects of the install', () => {
      expect(objects.map(idOf).sort()).toEqual(EXPECTED_OBJECTS.map(([kind, id]) => `${kind}/${id}`).sort());
    });

    it('leaves the keda Namespace alone (it is KEDA’s: uninstalling must not delete it)', () => {
      expect(ofKind(objects, 'Namespace')).toEqual([]);
    });

    it.each(EXPECTED_OBJECTS)('labels %s %s with name, part-of and component %s', (kind, id, component) => {
      const object = find(objects, kind, id.split('/').at(-1) as string);
      expect(object.metadata.labels).toEqual(
        expect.objectContaining({
          'app.kubernetes.io/name': NAME,
          'app.kubernetes.io/part-of': NAME,
          'app.kubernetes.io/component': component,
        }),
      );
    });

    it('puts namespaced objects in keda and gives cluster-scoped ones no namespace', () => {
      for (const object of objects) {
        const scope = scopeOf(object);
        expect([idOf(object), scope]).toEqual([idOf(object), expect.stringMatching(/^(Namespaced|Cluster)$/)]);
        expect([idOf(object), object.metadata.namespace]).toEqual([idOf(object), scope === 'Namespaced' ? NAMESPACE : undefined]);
      }
    });
  });

  describe('custom objects', () => {
    const custom = objects.filter(isCustom);

    it('include the ClusterTriggerAuthentication and both DecoratorControllers', () => {
      expect(custom.map(idOf).sort()).toEqual([
        'ClusterTriggerAuthentication/keda-kaito-scaler-creds',
        'DecoratorController/keda-kaito-scaler-certificates',
        'DecoratorController/keda-kaito-scaler-inferencesets',
      ]);
    });

    it.each(custom.map((object) => [idOf(object), object] as const))('%s is valid for its CRD', (_id, object) => {
      const crd = findCrd(object.apiVersion, object.kind);
      expect(crd).toBeDefined();
      const validate = crdValidator(crd?.file as string, object.kind, object.apiVersion.split('/')[1] as string);
      expect(validate(object)).toEqual([]);
    });
  });

  describe('RBAC', () => {
    const role = find(objects, 'ClusterRole', NAME);
    const binding = find(objects, 'ClusterRoleBinding', NAME);

    it('grants no verb beyond get/list/watch and no resource beyond those the scaler reads', () => {
      expect(clusterRoleProblems(role, SCALER_GRANTS)).toEqual([]);
    });

    it('grants everything the scaler reads (informers list and watch; the startup wait gets CRDs)', () => {
      const granted = (group: string, resource: string, verb: string) =>
        role['rules'].some(
          (rule: Record<string, string[]>) =>
            rule['apiGroups']?.includes(group) && rule['resources']?.includes(resource) && rule['verbs']?.includes(verb),
        );
      for (const resource of ['inferencesets', 'workspaces']) {
        for (const verb of ['get', 'list', 'watch'])
          expect([resource, verb, granted('kaito.sh', resource, verb)]).toEqual([resource, verb, true]);
      }
      expect(granted('apiextensions.k8s.io', 'customresourcedefinitions', 'get')).toBe(true);
    });

    it('binds the role to the ServiceAccount the Pods run as, and to nothing else', () => {
      expect(binding['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }]);
      expect(pod.spec.serviceAccountName).toBe(NAME);
      expect(ofKind(objects, 'Role').concat(ofKind(objects, 'RoleBinding'))).toEqual([]);
    });

    it('gives the API token to the scaler container only', () => {
      expect(find(objects, 'ServiceAccount', NAME)['automountServiceAccountToken']).toBe(false);
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      const tokenVolumes = pod.spec.volumes
        .filter((volume: any) => volume.projected?.sources?.some((source: any) => source.serviceAccountToken))
        .map((volume: any) => volume.name);
      expect(tokenVolumes).toHaveLength(1);
      const mounts = (name: string) =>
        (container(name).volumeMounts ?? []).filter((mount: any) => tokenVolumes.includes(mount.name)).map((mount: any) => mount.mountPath);
      expect(mounts('scaler')).toEqual(['/var/run/secrets/kubernetes.io/serviceaccount']);
      expect(mounts('hooks')).toEqual([]);
    });
  });

  describe('the Deployment', () => {
    it('runs 2 replicas of one image in two containers, hooks and scaler', () => {
      expect(deployment['spec'].replicas).toBe(2);
      expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['hooks', 'scaler']);
      expect(container('hooks').image).toBe(container('scaler').image);
      expect(container('hooks').args).toEqual(['hooks']);
      expect(container('scaler').args).toEqual(['scaler', '--tls-dir', TLS_DIR]);
    });

    it('selects its own Pods', () => {
      expect(selects(deployment['spec'].selector, pod.metadata.labels)).toBe(true);
    });

    it('is least privileged and fully specified: non-root, read-only, no escalation, no capabilities, seccomp, resources, probes', () => {
      expect(podProblems(deployment)).toEqual([]);
    });

    it('probes the hooks on /healthz:8080 and the scaler on /healthz and /readyz:10451', () => {
      const probe = (name: string, kind: string) => {
        const target = container(name)[kind].httpGet;
        return `${target.path}:${containerPort(container(name), target.port)}`;
      };
      expect(probe('hooks', 'livenessProbe')).toBe('/healthz:8080');
      expect(probe('hooks', 'readinessProbe')).toBe('/healthz:8080');
      expect(probe('scaler', 'livenessProbe')).toBe('/healthz:10451');
      expect(probe('scaler', 'readinessProbe')).toBe('/readyz:10451');
    });

    it('logs JSON from both containers', () => {
      for (const name of ['hooks', 'scaler']) {
        expect(container(name).env).toEqual(expect.arrayContaining([{ name: 'KKS_LOG_FORMAT', value: 'json' }]));
      }
    });

    it('mounts the server certificates Secret, optional, read-only, at the scaler’s --tls-dir', () => {
      const mount = container('scaler').volumeMounts.find((candidate: any) => candidate.mountPath === TLS_DIR);
      expect(mount).toEqual(expect.objectContaining({ readOnly: true }));
      const volume = pod.spec.volumes.find((candidate: any) => candidate.name === mount.name);
      expect(volume.secret).toEqual(expect.objectContaining({ secretName: 'keda-kaito-scaler-server-certs', optional: true }));
      expect(volume.secret.items).toBeUndefined(); // every key: ca.crt, tls.crt, tls.key
      expect(mount.subPath).toBeUndefined(); // subPath mounts never see a renewed Secret
    });

    it('spreads its replicas across nodes', () => {
      const spreads = (pod.spec.topologySpreadConstraints ?? []).filter(
        (constraint: any) => constraint.topologyKey === 'kubernetes.io/hostname' && selects(constraint.labelSelector, pod.metadata.labels),
      );
      const antiAffinity = (pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter(
        (term: any) =>
          term.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(term.podAffinityTerm.labelSelector, pod.metadata.labels),
      );
      expect(spreads.length + antiAffinity.length).toBeGreaterThan(0);
    });

    it('keeps a ready replica through rollouts and voluntary disruptions', () => {
      expect(deployment['spec'].strategy.rollingUpdate.maxUnavailable).toBe(0);
      const budget = find(objects, 'PodDisruptionBudget', NAME);
      expect(budget['spec'].minAvailable).toBe(1);
      expect(selects(budget['spec'].selector, pod.metadata.labels)).toBe(true);
    });
  });

  describe('the Services', () => {
    const targetOf = (service: Manifest, port: number) => {
      const servicePort = service['spec'].ports.find((candidate: { port: number }) => candidate.port === port);
      expect(servicePort).toBeDefined();
      expect(selects({ matchLabels: service['spec'].selector }, pod.metadata.labels)).toBe(true);
      return pod.spec.containers
        .map((candidate: any) => [candidate.name, containerPort(candidate, servicePort.targetPort ?? port)])
        .find(([, number]: [string, number | undefined]) => number !== undefined);
    };

    it('keda-kaito-scaler-svc: gRPC 10450 to the scaler container, labelled component scaler', () => {
      expect(targetOf(grpcService, 10450)).toEqual(['scaler', 10450]);
      expect(grpcService.metadata.labels?.['app.kubernetes.io/component']).toBe('scaler');
      expect(grpcService['spec'].ports).toHaveLength(1);
    });

    it('keda-kaito-scaler-hooks: 80 to the hooks container’s 8080, reachable before the scaler is ready', () => {
      expect(targetOf(hooksService, 80)).toEqual(['hooks', 8080]);
      // The scaler is not ready until the hooks have issued its certificates.
      expect(hooksService['spec'].publishNotReadyAddresses).toBe(true);
    });
  });

  describe('the ClusterTriggerAuthentication', () => {
    it('maps caCert, tlsClientCert, tlsClientKey to the client certificates Secret', () => {
      const creds = find(objects, 'ClusterTriggerAuthentication', 'keda-kaito-scaler-creds');
      const mapping = Object.fromEntries(
        creds['spec'].secretTargetRef.map((ref: { parameter: string; name: string; key: string }) => [
          ref.parameter,
          `${ref.name}/${ref.key}`,
        ]),
      );
      expect(mapping).toEqual({
        caCert: 'keda-kaito-scaler-client-certs/ca.crt',
        tlsClientCert: 'keda-kaito-scaler-client-certs/tls.crt',
        tlsClientKey: 'keda-kaito-scaler-client-certs/tls.key',
      });
    });
  });

  describe('the DecoratorControllers', () => {
    const inferenceSets = find(objects, 'DecoratorController', 'keda-kaito-scaler-inferencesets');
    const certificates = find(objects, 'DecoratorController', 'keda-kaito-scaler-certificates');

    it(`decorates InferenceSets (${inferenceSetVersion}) with ScaledObjects, updated in place, resynced`, () => {
      expect(inferenceSets['spec'].resources).toEqual([{ apiVersion: inferenceSetVersion, resource: 'inferencesets' }]);
      expect(inferenceSets['spec'].attachments).toEqual([
        { apiVersion: 'keda.sh/v1alpha1', resource: 'scaledobjects', updateStrategy: { method: 'InPlace' } },
      ]);
      expect(inferenceSets['spec'].resyncPeriodSeconds).toBeGreaterThan(0);
      expect(Object.keys(inferenceSets['spec'].hooks).sort()).toEqual(['customize', 'sync']);
    });

    it('decorates the scaler’s gRPC Service, and no other Service of the install, with Secrets', () => {
      const [resource, ...others] = certificates['spec'].resources;
      expect(others).toEqual([]);
      expect(resource.apiVersion).toBe('v1');
      expect(resource.resource).toBe('services');
      expect(services.filter((service) => selects(resource.labelSelector, service.metadata.labels ?? {})).map(idOf)).toEqual([
        idOf(grpcService),
      ]);
      expect(resource.labelSelector.matchLabels).toEqual(
        expect.objectContaining({ 'app.kubernetes.io/component': 'scaler', 'app.kubernetes.io/name': NAME }),
      );
      expect(certificates['spec'].attachments).toEqual([{ apiVersion: 'v1', resource: 'secrets', updateStrategy: { method: 'InPlace' } }]);
      expect(certificates['spec'].resyncPeriodSeconds).toBeGreaterThan(0);
      expect(Object.keys(certificates['spec'].hooks).sort()).toEqual(['customize', 'sync']);
    });

    it.each([
      ['keda-kaito-scaler-inferencesets', 'sync', '/sync'],
      ['keda-kaito-scaler-inferencesets', 'customize', '/customize'],
      ['keda-kaito-scaler-certificates', 'sync', '/certificates/sync'],
      ['keda-kaito-scaler-certificates', 'customize', '/certificates/customize'],
    ])('%s calls its %s hook (version v2) at the hooks Service, path %s', (name, hook, path) => {
      const { version, webhook } = find(objects, 'DecoratorController', name)['spec'].hooks[hook];
      expect(version).toBe('v2');
      const target = hookTarget(webhook, services);
      expect(target).toEqual({ service: hooksService, path });
    });
  });

  describe('the NetworkPolicies', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    const target = { namespace: NAMESPACE, labels: pod.metadata.labels };
    const metacontroller = { from: namespace('metacontroller'), labels: { 'app.kubernetes.io/name': 'metacontroller' } };
    const kedaOperator = { from: namespace(NAMESPACE), labels: { app: 'keda-operator', name: 'keda-operator' } };
    const kedaMetricsServer = { from: namespace(NAMESPACE), labels: { app: 'keda-operator-metrics-apiserver' } };
    const tenant = { from: namespace('default'), labels: { app: 'keda-operator' } };

    it.each([
      { who: 'Metacontroller', source: metacontroller, port: 8080, allowed: true },
      { who: 'KEDA’s operator', source: kedaOperator, port: 8080, allowed: false },
      { who: 'a Pod of another namespace', source: tenant, port: 8080, allowed: false },
      { who: 'KEDA’s operator', source: kedaOperator, port: 10450, allowed: true },
      { who: 'KEDA’s metrics server', source: kedaMetricsServer, port: 10450, allowed: false },
      { who: 'a Pod labelled like KEDA’s operator in another namespace', source: tenant, port: 10450, allowed: false },
      { who: 'Metacontroller', source: metacontroller, port: 10450, allowed: false },
      { who: 'KEDA’s operator', source: kedaOperator, port: 10451, allowed: false },
      { who: 'Metacontroller', source: metacontroller, port: 10451, allowed: false },
    ])('$who -> port $port: allowed $allowed', ({ source, port, allowed }) => {
      expect(ingressAllowed(policies, target, port, source)).toBe(allowed);
    });

    it('open only ports the Pod serves', () => {
      const served = pod.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.containerPort));
      for (const policy of policies) {
        for (const rule of policy['spec'].ingress) {
          for (const port of rule.ports) expect(served).toContain(port.port);
        }
      }
    });
  });
});

describe('manifests/base', () => {
  it('renders what manifests/ renders (the overlays build on it)', () => {
    expect(kustomize('manifests/base')).toEqual(objectsOf('manifests'));
  });
});

describe('the overlay for kaito.sh/v1alpha1', () => {
  it('changes only the InferenceSet version of the DecoratorController (Workspaces are read as v1beta1 on every release)', () => {
    const base = objectsOf('manifests');
    const overlay = objectsOf('manifests/overlays/kaito-v1alpha1');
    expect(overlay.map(idOf).sort()).toEqual(base.map(idOf).sort());
    const differing = overlay
      .filter((object) => JSON.stringify(object) !== JSON.stringify(base.find((b) => idOf(b) === idOf(object))))
      .map(idOf);
    expect(differing).toEqual(['DecoratorController/keda-kaito-scaler-inferencesets']);
  });
});

describe('the overlay for KEDA in another namespace (manifests/overlays/keda-namespace)', () => {
  const parameter = parse(readRepositoryFile('manifests/overlays/keda-namespace/keda-namespace.yaml')) as Manifest;
  const kedaNamespace = parameter['data'].namespace as string;
  const overlay = kustomize('manifests/overlays/keda-namespace');
  const base = objectsOf('manifests');

  it('is the base with every mention of the namespace keda replaced, and the parameter itself not applied', () => {
    expect(kedaNamespace).not.toBe(NAMESPACE);
    expect(overlay.map(idOf).sort()).toEqual(
      base
        .map(idOf)
        .map((id) => id.replace(`/${NAMESPACE}/`, `/${kedaNamespace}/`))
        .sort(),
    );
    const back = JSON.stringify(overlay).replaceAll(kedaNamespace, NAMESPACE);
    expect(JSON.parse(back)).toEqual(base);
  });

  it('leaves no trace of the namespace keda: objects, KEDA’s NetworkPolicy peer, hook URLs, scaler address, RBAC subject', () => {
    const text = JSON.stringify(overlay);
    expect(text).not.toMatch(/"namespace":"keda"|"kubernetes\.io\/metadata\.name":"keda"|\.keda\.svc|\.keda\//);
    const grpc = find(overlay, 'NetworkPolicy', 'keda-kaito-scaler-grpc');
    expect(grpc['spec'].ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(kedaNamespace);
    const hooks = find(overlay, 'Deployment', NAME)['spec'].template.spec.containers[0];
    expect(hooks.env).toEqual(
      expect.arrayContaining([{ name: 'KKS_SCALER_ADDRESS', value: `keda-kaito-scaler-svc.${kedaNamespace}.svc.cluster.local:10450` }]),
    );
  });
});
