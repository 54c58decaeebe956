import type { Manifest } from './render.js';

/**
 * The rules the install must keep, as pure checks that list what is wrong (empty: nothing).
 * The contract tests apply them to the rendered manifests and, to show that each rule can
 * fail, to copies broken on purpose.
 */

type Labels = Readonly<Record<string, string>>;

interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly unknown[];
}

/** matchLabels only: the manifests use nothing else, and anything else is refused rather than guessed. */
export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  if (selector.matchExpressions && selector.matchExpressions.length > 0) throw new Error('matchExpressions are not supported here');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

// ---------------------------------------------------------------------------- RBAC

export interface Grant {
  readonly verbs: readonly string[];
  /** When set, the rule must be limited to these names. */
  readonly resourceNames?: readonly string[];
}

/** Grants keyed by `group/resource` (core group: `/resource`). */
export type Grants = Readonly<Record<string, Grant>>;

export function clusterRoleProblems(role: Manifest, grants: Grants): string[] {
  const problems: string[] = [];
  const rules = (role['rules'] ?? []) as Array<Record<string, string[] | undefined>>;
  if (role['aggregationRule']) problems.push('the role aggregates other roles');
  rules.forEach((rule, index) => {
    if (rule['nonResourceURLs']?.length) problems.push(`rule ${index} grants non-resource URLs ${rule['nonResourceURLs'].join(', ')}`);
    for (const group of rule['apiGroups'] ?? []) {
      for (const resource of rule['resources'] ?? []) {
        const key = `${group}/${resource}`;
        const grant = grants[key];
        if (!grant) {
          problems.push(`rule ${index} grants ${key}, which is not one of ${Object.keys(grants).join(', ')}`);
          continue;
        }
        for (const verb of rule['verbs'] ?? []) {
          if (!grant.verbs.includes(verb)) problems.push(`rule ${index} grants ${verb} on ${key}; only ${grant.verbs.join(', ')} may be`);
        }
        if (grant.resourceNames) {
          const names = rule['resourceNames'] ?? [];
          if (names.length === 0) problems.push(`rule ${index} grants every ${key}; only ${grant.resourceNames.join(', ')} may be`);
          for (const name of names) {
            if (!grant.resourceNames.includes(name))
              problems.push(`rule ${index} grants ${key} ${name}, which is not one of ${grant.resourceNames.join(', ')}`);
          }
        }
      }
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------- Pods

/** CPU in millicores or memory in bytes, from a Kubernetes quantity. */
export function quantity(value: string | number): number {
  const text = String(value);
  const match = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(text);
  if (!match) throw new Error(`not a quantity: ${text}`);
  const units: Record<string, number> = { m: 1e-3, k: 1e3, Ki: 2 ** 10, M: 1e6, Mi: 2 ** 20, G: 1e9, Gi: 2 ** 30, T: 1e12, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? (units[match[2]] as number) : 1);
}

interface Container {
  readonly name: string;
  readonly ports?: ReadonlyArray<{ name?: string; containerPort: number }>;
  readonly [field: string]: any;
}

/** A probe's or Service's port (number or name) as a number of this container, if it has it. */
export function containerPort(container: Container, port: string | number): number | undefined {
  const ports = container.ports ?? [];
  const found = typeof port === 'number' ? ports.find((p) => p.containerPort === port) : ports.find((p) => p.name === port);
  return found?.containerPort;
}

/**
 * Least privilege and operability for every container of a Deployment: non-root, read-only
 * root filesystem, no privilege escalation, no capabilities, the runtime's seccomp profile,
 * requests and limits, probes on ports the container serves.
 */
export function podProblems(deployment: Manifest): string[] {
  const problems: string[] = [];
  const pod = deployment['spec']?.template?.spec ?? {};
  const podSecurity = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[field] === true) problems.push(`the Pod sets ${field}`);
  }
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Container[];
  if (containers.length === 0) problems.push('the Pod has no containers');
  for (const container of containers) {
    const says = (text: string) => problems.push(`container ${container.name}: ${text}`);
    const security = container['securityContext'] ?? {};
    const effective = (field: string) => security[field] ?? podSecurity[field];
    if (effective('runAsNonRoot') !== true) says('runAsNonRoot is not true');
    if (effective('runAsUser') === 0) says('runs as uid 0');
    if (security.allowPrivilegeEscalation !== false) says('allowPrivilegeEscalation is not false');
    if (security.readOnlyRootFilesystem !== true) says('readOnlyRootFilesystem is not true');
    if (security.privileged === true) says('is privileged');
    if (!(security.capabilities?.drop ?? []).includes('ALL')) says('does not drop ALL capabilities');
    if ((security.capabilities?.add ?? []).length > 0) says(`adds capabilities ${security.capabilities.add.join(', ')}`);
    if (effective('seccompProfile')?.type !== 'RuntimeDefault') says('seccompProfile is not RuntimeDefault');
    const resources = container['resources'] ?? {};
    for (const resource of ['cpu', 'memory']) {
      const request = resources.requests?.[resource];
      const limit = resources.limits?.[resource];
      if (request === undefined) says(`has no ${resource} request`);
      if (limit === undefined) says(`has no ${resource} limit`);
      if (request !== undefined && limit !== undefined && quantity(request) > quantity(limit))
        says(`${resource} request exceeds its limit`);
    }
    if (pod.initContainers?.includes(container)) continue;
    for (const probe of ['livenessProbe', 'readinessProbe']) {
      const httpGet = container[probe]?.httpGet;
      if (!httpGet) says(`has no HTTP ${probe}`);
      else if (containerPort(container, httpGet.port) === undefined) says(`${probe} port ${httpGet.port} is not one of its ports`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------- Hooks

export interface HookTarget {
  readonly service: Manifest;
  readonly path: string;
}

/**
 * Where Metacontroller sends a hook (`url`, or `service` + `path`), as a Service of the
 * install and a path on it. Metacontroller runs in its own namespace: a Service name
 * without its namespace would resolve there.
 */
export function hookTarget(webhook: Record<string, any>, services: readonly Manifest[]): HookTarget | string {
  let name: string;
  let namespace: string | undefined;
  let port: number;
  let path: string;
  if (typeof webhook['url'] === 'string') {
    let url: URL;
    try {
      url = new URL(webhook['url']);
    } catch {
      return `${webhook['url']} is not a URL`;
    }
    if (url.protocol !== 'http:') return `${url.href} is not plain http, which is what the hooks Service serves`;
    const parts = url.hostname.split('.');
    const suffix = parts.slice(2).join('.');
    if (parts.length < 2 || !['', 'svc', 'svc.cluster.local'].includes(suffix)) {
      return `${url.hostname} is not <service>.<namespace>[.svc[.cluster.local]]`;
    }
    [name, namespace] = parts as [string, string];
    port = url.port === '' ? 80 : Number(url.port);
    path = url.pathname;
  } else if (webhook['service']) {
    ({ name, namespace } = webhook['service']);
    port = webhook['service'].port ?? 80;
    path = webhook['path'] ?? '/';
  } else {
    return 'the webhook has neither url nor service';
  }
  if (namespace === undefined) return `the hook Service ${name} has no namespace`;
  const service = services.find((candidate) => candidate.metadata.name === name && candidate.metadata.namespace === namespace);
  if (!service) return `no Service ${namespace}/${name} in the install`;
  if (!(service['spec']?.ports ?? []).some((candidate: { port: number }) => candidate.port === port)) {
    return `Service ${namespace}/${name} has no port ${port}`;
  }
  return { service, path };
}

// ---------------------------------------------------------------------------- Network policies

export interface PodRef {
  readonly namespace: string;
  readonly labels: Labels;
  /** Named container ports, for policies that name a port. */
  readonly ports?: Readonly<Record<string, number>>;
}

export interface NamespaceRef {
  readonly name: string;
  readonly labels: Labels;
}

/** The labels every namespace carries since Kubernetes 1.22. */
export const namespace = (name: string, labels: Labels = {}): NamespaceRef => ({
  name,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
});

/**
 * Whether a connection from `source` (a Pod in namespace `from`) reaches `port` of `target`,
 * by the NetworkPolicy rules: a Pod selected by no Ingress policy accepts everything;
 * otherwise only what a rule of a policy selecting it allows.
 */
export function ingressAllowed(
  policies: readonly Manifest[],
  target: PodRef,
  port: number,
  source: { from: NamespaceRef; labels: Labels },
): boolean {
  const selecting = policies.filter(
    (policy) =>
      policy.metadata.namespace === target.namespace &&
      (policy['spec'].policyTypes ?? ['Ingress']).includes('Ingress') &&
      selects(policy['spec'].podSelector, target.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy['spec'].ingress ?? []).some((rule: Record<string, any>) => {
      const ports = (rule['ports'] ?? []) as Array<{ port?: number | string; protocol?: string }>;
      const portMatches =
        ports.length === 0 ||
        ports.some((candidate) => {
          if ((candidate.protocol ?? 'TCP') !== 'TCP') return false;
          if (candidate.port === undefined) return true;
          const number = typeof candidate.port === 'number' ? candidate.port : target.ports?.[candidate.port];
          return number === port;
        });
      const peers = (rule['from'] ?? []) as Array<Record<string, any>>;
      const peerMatches =
        peers.length === 0 ||
        peers.some((peer) => {
          if (peer['ipBlock']) throw new Error('ipBlock peers are not supported here');
          const namespaceMatches = peer['namespaceSelector']
            ? selects(peer['namespaceSelector'], source.from.labels)
            : source.from.name === policy.metadata.namespace;
          const podMatches = peer['podSelector'] ? selects(peer['podSelector'], source.labels) : true;
          return namespaceMatches && podMatches;
        });
      return portMatches && peerMatches;
    }),
  );
}
