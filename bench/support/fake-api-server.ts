import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An in-process fake of the Kubernetes API server, enough for @kubernetes/client-node's
 * informers and discovery: plain HTTP on 127.0.0.1, bearer-token auth, and
 *
 *  - discovery: `GET /apis`, `/apis/<group>`, `/apis/<group>/<version>`;
 *  - CRDs: `GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/<plural>.<group>`;
 *  - namespaced custom resources, across all namespaces or in one:
 *    `GET /apis/<group>/<version>[/namespaces/<ns>]/<plural>` lists (with `limit`/`continue`
 *    pages and the list's `resourceVersion`) and, with `?watch=true&resourceVersion=N`,
 *    watches: a chunked stream of JSON lines (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR)
 *    that first replays every change after N, like the real server's watch cache, and ends
 *    after `timeoutSeconds`.
 *
 * Every change gets the next resourceVersion and is kept in a history, so a client that
 * reconnects with its last resourceVersion misses nothing; `compact()` forgets the history,
 * after which such a reconnect gets 410 Gone, as from a real server.
 *
 * Tests drive it with `apply`/`remove` (objects), `installCrd`/`removeCrd` (what is served),
 * and faults: `closeWatches`, `compact`, `inject` (status codes, delays, 410s on chosen
 * requests), `stop`/`start` (the server down and up on the same port). `requests` records
 * what clients asked for.
 */

export interface CrdSpec {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
  /** Served versions; the last one is the storage version. */
  readonly versions: readonly string[];
}

export const INFERENCESET_CRD: CrdSpec = {
  group: 'kaito.sh',
  plural: 'inferencesets',
  kind: 'InferenceSet',
  versions: ['v1alpha1', 'v1beta1'],
};
export const WORKSPACE_CRD: CrdSpec = { group: 'kaito.sh', plural: 'workspaces', kind: 'Workspace', versions: ['v1alpha1', 'v1beta1'] };
export const SCALEDOBJECT_CRD: CrdSpec = { group: 'keda.sh', plural: 'scaledobjects', kind: 'ScaledObject', versions: ['v1alpha1'] };
/** What a cluster with KAITO (v1alpha1 and v1beta1) and KEDA installed serves. */
export const STANDARD_CRDS: readonly CrdSpec[] = [INFERENCESET_CRD, WORKSPACE_CRD, SCALEDOBJECT_CRD];

/** `<plural>.<group>`, the CRD's name, e.g. `workspaces.kaito.sh`. */
export type ResourceName = string;

export type RequestVerb = 'discovery' | 'crd' | 'list' | 'watch' | 'other';

export interface RecordedRequest {
  readonly verb: RequestVerb;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** For list and watch: the resource asked for; for crd: the CRD's name (the same `<plural>.<group>`). */
  readonly resource?: ResourceName;
  readonly version?: string;
  /** The HTTP status answered. */
  status: number;
}

export interface Fault {
  readonly verb?: RequestVerb;
  readonly resource?: ResourceName;
  /** Answer with this HTTP status and a Status body. */
  readonly status?: number;
  /** Wait this long before answering (or failing). */
  readonly delayMs?: number;
  /**
   * For watches: answer 410 Gone, either the way kube-apiserver does (`event`: HTTP 200, one
   * ERROR event with `code: 410`, end of stream) or as an HTTP 410 (`status`).
   */
  readonly gone?: 'event' | 'status';
  /** Answer HTTP 200 with this raw body (a malformed answer). */
  readonly body?: string;
  /** How many matching requests it applies to; unlimited when absent. */
  readonly times?: number;
}

export interface InjectedFault {
  /** Requests it has applied to so far. */
  readonly hits: number;
  remove(): void;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    uid?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface FakeApiServerOptions {
  /** CRDs installed at start; STANDARD_CRDS by default. */
  readonly crds?: readonly CrdSpec[];
  /** The bearer token clients must send (the kubeconfig carries it). */
  readonly token?: string;
}

export interface FakeApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A kubeconfig file pointing at this server with its token (deleted by `close()`). */
  readonly kubeconfigPath: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedRequest[];

  installCrd(crd: CrdSpec): void;
  /** Deletes a CRD, its objects (without DELETED events, as the real server) and ends its watches. */
  removeCrd(name: ResourceName): void;

  /** Creates or replaces an object (ADDED or MODIFIED); returns it with its new resourceVersion. */
  apply(resource: ResourceName, object: KubeObject): KubeObject;
  /** Deletes an object (DELETED); false if there was none. */
  remove(resource: ResourceName, namespace: string, name: string): boolean;
  get(resource: ResourceName, namespace: string, name: string): KubeObject | undefined;
  list(resource: ResourceName): KubeObject[];
  /** The latest resourceVersion. */
  resourceVersion(): string;

  /** Open watch streams (of one resource, or all). */
  openWatches(resource?: ResourceName): number;
  /** Ends every open watch cleanly, like the API server at the end of `timeoutSeconds`. */
  closeWatches(): void;
  /** Sends a BOOKMARK with the latest resourceVersion to every watch that asked for them. */
  bookmark(): void;
  /** Writes a raw line (a malformed or unusual event) to every open watch of `resource`. */
  sendRaw(resource: ResourceName, line: string): void;
  /** Forgets the change history: a watch from an older resourceVersion then gets 410 Gone. */
  compact(): void;
  /** Applies a fault to the next matching requests. */
  inject(fault: Fault): InjectedFault;
  /** Resolves when `predicate` holds (checked every 10 ms), rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;

  /** Stops listening and cuts every connection; the port stays reserved for `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Watcher {
  readonly resource: ResourceName;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly bookmarks: boolean;
  readonly response: ServerResponse;
  readonly timer: NodeJS.Timeout | undefined;
}

interface Change {
  readonly resourceVersion: number;
  readonly resource: ResourceName;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface Snapshot {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

const crdName = (crd: CrdSpec): ResourceName => `${crd.plural}.${crd.group}`;
const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const token = options.token ?? 'fake-api-server-token';
  const crds = new Map<ResourceName, CrdSpec>();
  const objects = new Map<ResourceName, Map<string, KubeObject>>();
  const history: Change[] = [];
  const watchers = new Set<Watcher>();
  const faults: Array<{ fault: Fault; hits: number }> = [];
  const snapshots = new Map<string, Snapshot>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let revision = 1;
  /** Watches from a resourceVersion below this get 410 Gone. */
  let oldestWatchable = 0;
  let snapshotCounter = 0;
  let uidCounter = 0;

  for (const crd of options.crds ?? STANDARD_CRDS) crds.set(crdName(crd), crd);

  const withVersion = (object: KubeObject, crd: CrdSpec, version: string): KubeObject => ({
    ...object,
    apiVersion: `${crd.group}/${version}`,
    kind: crd.kind,
  });

  const send = (watcher: Watcher, type: string, object: unknown) => {
    if (!watcher.response.writableEnded) watcher.response.write(`${JSON.stringify({ type, object })}\n`);
  };

  const endWatch = (watcher: Watcher) => {
    watchers.delete(watcher);
    clearTimeout(watcher.timer);
    if (!watcher.response.writableEnded) watcher.response.end();
  };

  const publish = (change: Change) => {
    history.push(change);
    const crd = crds.get(change.resource);
    if (!crd) return;
    for (const watcher of watchers) {
      if (watcher.resource !== change.resource) continue;
      if (watcher.namespace !== undefined && watcher.namespace !== change.object.metadata.namespace) continue;
      send(watcher, change.type, withVersion(change.object, crd, watcher.version));
    }
  };

  const store = (resource: ResourceName) => {
    let map = objects.get(resource);
    if (!map) {
      map = new Map();
      objects.set(resource, map);
    }
    return map;
  };

  // ---- HTTP ----

  const json = (response: ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  };

  const takeFault = (verb: RequestVerb, resource: ResourceName | undefined): Fault | undefined => {
    for (const entry of faults) {
      const { fault } = entry;
      if (fault.verb !== undefined && fault.verb !== verb) continue;
      if (fault.resource !== undefined && fault.resource !== resource) continue;
      if (fault.times !== undefined && entry.hits >= fault.times) continue;
      entry.hits += 1;
      return fault;
    }
    return undefined;
  };

  const servedVersion = (crd: CrdSpec | undefined, version: string) => crd?.versions.includes(version);

  const groups = () => {
    const byGroup = new Map<string, Set<string>>();
    for (const crd of crds.values()) {
      let versions = byGroup.get(crd.group);
      if (!versions) {
        versions = new Set();
        byGroup.set(crd.group, versions);
      }
      for (const version of crd.versions) versions.add(version);
    }
    return byGroup;
  };

  const apiGroup = (name: string, versions: Set<string>) => {
    const list = [...versions]
      .sort()
      .reverse()
      .map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: list, preferredVersion: list[0] };
  };

  const crdObject = (crd: CrdSpec) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(crd), resourceVersion: '1' },
    spec: {
      group: crd.group,
      names: { plural: crd.plural, kind: crd.kind, listKind: `${crd.kind}List`, singular: crd.kind.toLowerCase() },
      scope: 'Namespaced',
      versions: crd.versions.map((version, position) => ({
        name: version,
        served: true,
        storage: position === crd.versions.length - 1,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      })),
    },
    status: {
      acceptedNames: { plural: crd.plural, kind: crd.kind },
      storedVersions: [crd.versions[crd.versions.length - 1]],
      conditions: [
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
    },
  });

  const route = (
    url: URL,
  ): {
    verb: RequestVerb;
    resource?: ResourceName;
    version?: string;
    handle: (response: ServerResponse, request: IncomingMessage) => void;
  } => {
    const parts = url.pathname.split('/').filter((part) => part !== '');
    const notFound = (response: ServerResponse) =>
      json(response, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    if (parts[0] !== 'apis') return { verb: 'other', handle: notFound };
    if (parts.length === 1) {
      return {
        verb: 'discovery',
        handle: (response) => {
          const list = [...groups()].map(([name, versions]) => apiGroup(name, versions));
          list.push(apiGroup('apiextensions.k8s.io', new Set(['v1'])));
          json(response, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
        },
      };
    }
    const group = parts[1] ?? '';
    if (group === 'apiextensions.k8s.io' && parts[2] === 'v1' && parts[3] === 'customresourcedefinitions' && parts.length === 5) {
      const name = parts[4] ?? '';
      return {
        verb: 'crd',
        resource: name,
        handle: (response) => {
          const crd = crds.get(name);
          if (!crd)
            return json(response, 404, status(404, 'NotFound', `customresourcedefinitions.apiextensions.k8s.io "${name}" not found`));
          json(response, 200, crdObject(crd));
        },
      };
    }
    if (parts.length === 2) {
      return {
        verb: 'discovery',
        handle: (response) => {
          const versions = groups().get(group);
          if (!versions) return notFound(response);
          json(response, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) });
        },
      };
    }
    const version = parts[2] ?? '';
    if (parts.length === 3) {
      return {
        verb: 'discovery',
        handle: (response) => {
          const served = [...crds.values()].filter((crd) => crd.group === group && crd.versions.includes(version));
          if (served.length === 0) return notFound(response);
          const resources = served.flatMap((crd) => [
            {
              name: crd.plural,
              singularName: crd.kind.toLowerCase(),
              namespaced: true,
              kind: crd.kind,
              verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
            },
            { name: `${crd.plural}/status`, singularName: '', namespaced: true, kind: crd.kind, verbs: ['get', 'patch', 'update'] },
          ]);
          json(response, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources });
        },
      };
    }
    let namespace: string | undefined;
    let plural: string | undefined;
    if (parts.length === 4) plural = parts[3];
    else if (parts.length === 6 && parts[3] === 'namespaces') {
      namespace = parts[4];
      plural = parts[5];
    } else return { verb: 'other', handle: notFound };
    const resource = `${plural}.${group}`;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    return {
      verb: watch ? 'watch' : 'list',
      resource,
      version,
      handle: (response, request) => {
        const crd = crds.get(resource);
        if (!servedVersion(crd, version) || !crd) return notFound(response);
        if (url.searchParams.has('labelSelector') || url.searchParams.has('fieldSelector')) {
          return json(response, 400, status(400, 'BadRequest', 'the fake API server does not implement selectors'));
        }
        if (watch) startWatch(response, request, url, crd, version, namespace);
        else answerList(response, url, crd, version, namespace);
      },
    };
  };

  const answerList = (response: ServerResponse, url: URL, crd: CrdSpec, version: string, namespace: string | undefined) => {
    const resource = crdName(crd);
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const token = url.searchParams.get('continue');
    let snapshot: Snapshot | undefined;
    let offset = 0;
    if (token) {
      const [id, position] = token.split(':');
      snapshot = snapshots.get(id ?? '');
      offset = Number(position);
      if (!snapshot) return json(response, 410, status(410, 'Expired', 'the provided continue parameter is too old'));
    } else {
      const items = [...store(resource).values()]
        .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
        .sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
      snapshot = { items, resourceVersion: String(revision) };
    }
    const end = limit > 0 ? Math.min(snapshot.items.length, offset + limit) : snapshot.items.length;
    let next: string | undefined;
    if (end < snapshot.items.length) {
      let id = token?.split(':')[0];
      if (!id) {
        snapshotCounter += 1;
        id = `s${snapshotCounter}`;
        snapshots.set(id, snapshot);
        if (snapshots.size > 20) snapshots.delete(snapshots.keys().next().value as string);
      }
      next = `${id}:${end}`;
    }
    json(response, 200, {
      apiVersion: `${crd.group}/${version}`,
      kind: `${crd.kind}List`,
      metadata: { resourceVersion: snapshot.resourceVersion, ...(next ? { continue: next } : {}) },
      items: snapshot.items.slice(offset, end).map((object) => withVersion(object, crd, version)),
    });
  };

  const startWatch = (
    response: ServerResponse,
    request: IncomingMessage,
    url: URL,
    crd: CrdSpec,
    version: string,
    namespace: string | undefined,
  ) => {
    const resource = crdName(crd);
    const from = url.searchParams.get('resourceVersion') ?? '';
    if (from !== '' && from !== '0' && !/^\d+$/.test(from)) {
      return json(response, 400, status(400, 'BadRequest', `invalid resourceVersion "${from}"`));
    }
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    if (from !== '' && from !== '0' && Number(from) < oldestWatchable) {
      const expired = status(410, 'Expired', `too old resource version: ${from} (${oldestWatchable})`);
      response.end(`${JSON.stringify({ type: 'ERROR', object: expired })}\n`);
      return;
    }
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const watcher: Watcher = {
      resource,
      version,
      namespace,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      response,
      timer: timeoutSeconds > 0 ? setTimeout(() => endWatch(watcher), timeoutSeconds * 1000) : undefined,
    };
    const inScope = (object: KubeObject) => namespace === undefined || object.metadata.namespace === namespace;
    if (from === '' || from === '0') {
      for (const object of store(resource).values()) if (inScope(object)) send(watcher, 'ADDED', withVersion(object, crd, version));
    } else {
      for (const change of history) {
        if (change.resource !== resource || change.resourceVersion <= Number(from) || !inScope(change.object)) continue;
        send(watcher, change.type, withVersion(change.object, crd, version));
      }
    }
    watchers.add(watcher);
    request.on('close', () => {
      watchers.delete(watcher);
      clearTimeout(watcher.timer);
    });
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const { verb, resource, version, handle: answer } = route(url);
    const record: RecordedRequest = {
      verb,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(resource ? { resource } : {}),
      ...(version ? { version } : {}),
      status: 0,
    };
    requests.push(record);
    response.on('finish', () => (record.status = response.statusCode));
    response.on('close', () => (record.status ||= response.statusCode));
    if (request.headers.authorization !== `Bearer ${token}`) {
      return json(response, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (request.method !== 'GET') return json(response, 405, status(405, 'MethodNotAllowed', 'the fake API server only reads'));
    const fault = takeFault(verb, resource);
    const act = () => {
      if (response.destroyed) return;
      respond();
      if (response.headersSent) record.status = response.statusCode;
    };
    const respond = () => {
      if (fault?.gone === 'status') return json(response, 410, status(410, 'Expired', 'too old resource version'));
      if (fault?.gone === 'event' && verb === 'watch') {
        response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        response.write(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version') })}\n`);
        return response.end();
      }
      if (fault?.status !== undefined)
        return json(response, fault.status, status(fault.status, 'InjectedFault', `injected ${fault.status}`));
      if (fault?.body !== undefined) {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(fault.body);
      }
      answer(response, request);
    };
    if (fault?.delayMs) {
      const timer = setTimeout(act, fault.delayMs);
      response.on('close', () => clearTimeout(timer));
    } else act();
  };

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  const url = `http://127.0.0.1:${port}`;

  const directory = mkdtempSync(join(tmpdir(), 'fake-api-server-'));
  const kubeconfigPath = join(directory, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    }),
  );

  const stopListening = async () => {
    for (const watcher of [...watchers]) endWatch(watcher);
    if (!server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };

  const fake: FakeApiServer = {
    url,
    kubeconfigPath,
    requests,
    installCrd(crd) {
      const name = crdName(crd);
      const previous = crds.get(name);
      crds.set(name, crd);
      for (const watcher of [...watchers]) {
        if (watcher.resource === name && !crd.versions.includes(watcher.version)) endWatch(watcher);
      }
      if (!previous) store(name);
    },
    removeCrd(name) {
      crds.delete(name);
      objects.delete(name);
      for (const watcher of [...watchers]) if (watcher.resource === name) endWatch(watcher);
    },
    apply(resource, object) {
      if (!crds.has(resource)) throw new Error(`fake API server: no CRD ${resource}`);
      const map = store(resource);
      const key = keyOf(object.metadata.namespace, object.metadata.name);
      const previous = map.get(key);
      revision += 1;
      uidCounter += 1;
      const stored: KubeObject = structuredClone({
        ...object,
        metadata: {
          ...object.metadata,
          uid: previous?.metadata.uid ?? `uid-${uidCounter}`,
          resourceVersion: String(revision),
        },
      });
      map.set(key, stored);
      publish({ resourceVersion: revision, resource, type: previous ? 'MODIFIED' : 'ADDED', object: stored });
      return structuredClone(stored);
    },
    remove(resource, namespace, name) {
      const map = objects.get(resource);
      const previous = map?.get(keyOf(namespace, name));
      if (!map || !previous) return false;
      map.delete(keyOf(namespace, name));
      revision += 1;
      const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(revision) } };
      publish({ resourceVersion: revision, resource, type: 'DELETED', object });
      return true;
    },
    get: (resource, namespace, name) => {
      const object = objects.get(resource)?.get(keyOf(namespace, name));
      return object && structuredClone(object);
    },
    list: (resource) => [...(objects.get(resource)?.values() ?? [])].map((object) => structuredClone(object)),
    resourceVersion: () => String(revision),
    openWatches: (resource) => [...watchers].filter((watcher) => resource === undefined || watcher.resource === resource).length,
    closeWatches() {
      for (const watcher of [...watchers]) endWatch(watcher);
    },
    bookmark() {
      for (const watcher of watchers) {
        const crd = crds.get(watcher.resource);
        if (watcher.bookmarks && crd) {
          send(watcher, 'BOOKMARK', {
            apiVersion: `${crd.group}/${watcher.version}`,
            kind: crd.kind,
            metadata: { resourceVersion: String(revision) },
          });
        }
      }
    },
    sendRaw(resource, line) {
      for (const watcher of watchers) {
        if (watcher.resource === resource && !watcher.response.writableEnded) watcher.response.write(`${line}\n`);
      }
    },
    compact() {
      oldestWatchable = revision;
      history.length = 0;
    },
    inject(fault) {
      const entry = { fault, hits: 0 };
      faults.push(entry);
      return {
        get hits() {
          return entry.hits;
        },
        remove() {
          const position = faults.indexOf(entry);
          if (position >= 0) faults.splice(position, 1);
        },
      };
    },
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop: stopListening,
    async start() {
      if (!server.listening) await listen(port);
    },
    async close() {
      await stopListening();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return fake;
}
