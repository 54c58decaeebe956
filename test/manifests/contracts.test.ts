import { X509Certificate } from 'node:crypto';
import { Registry } from 'prom-client';
import request from 'supertest';
import { parse } from 'yaml';
import { createApp } from '../../hooks/app.js';
import { envName, parseOptions, type Command } from '../../schemas/flags.js';
import { createLogger } from '../../lib/log.js';
import { command as scalerCommand } from '../../commands/scaler.js';
import { createHealthServer } from '../../scaler/health.js';
import { parseTriggerMetadata } from '../../scaler/metadata.js';
import { hooksCommand, type HooksOptions } from '../../schemas/hooks-options.js';
import type { ScalerOptions } from '../../schemas/scaler-options.js';
import { crdValidator } from '../support/crd-schema.js';
import { find, kustomize, ofKind, readRepositoryFile, type Manifest } from './render.js';
import { containerPort, hookTarget } from './rules.js';

/**
 * The manifests against the code they deploy: the containers' arguments and variables are
 * options the commands accept, and every hook a DecoratorController calls is served by the
 * hooks app, whose answers name the objects the manifests create.
 */

const commands: Record<string, Command<unknown>> = { hooks: hooksCommand, scaler: scalerCommand };

const installs = [
  { directory: 'manifests', inferenceSetVersion: 'kaito.sh/v1beta1', kedaNamespace: 'keda' },
  { directory: 'manifests/overlays/kaito-v1alpha1', inferenceSetVersion: 'kaito.sh/v1alpha1', kedaNamespace: 'keda' },
  { directory: 'manifests/overlays/keda-namespace', inferenceSetVersion: 'kaito.sh/v1beta1', kedaNamespace: 'kube-system' },
];

interface Container {
  readonly name: string;
  readonly args: string[];
  readonly env?: Array<{ name: string; value?: string }>;
  readonly ports: Array<{ name: string; containerPort: number }>;
  readonly volumeMounts?: Array<{ name: string; mountPath: string }>;
}

/** What a container's command line and variables mean to the command it runs. */
function optionsOf<T>(container: Container, command: Command<T>): T {
  const [name, ...argv] = container.args;
  expect(name).toBe(command.name);
  const env = Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
  const parsed = parseOptions(command, argv, env);
  if (!parsed.ok) throw new Error(`container ${container.name}: ${parsed.problem.message}`);
  return parsed.value;
}

const silent = createLogger({ level: 'silent', format: 'json' });
const exampleInferenceSet = parse(readRepositoryFile('examples/inferenceset.yaml')) as Manifest;

describe.each(installs)('$directory against the code it deploys', ({ directory, inferenceSetVersion, kedaNamespace }) => {
  const objects = kustomize(directory);
  const pod = find(objects, 'Deployment', 'keda-kaito-scaler')['spec'].template.spec;
  const containers = pod.containers as Container[];
  const container = (name: string) => containers.find((candidate) => candidate.name === name) as Container;
  const services = ofKind(objects, 'Service');
  const grpcService = find(objects, 'Service', 'keda-kaito-scaler-svc');
  const creds = find(objects, 'ClusterTriggerAuthentication', 'keda-kaito-scaler-creds');
  const inferenceSets = find(objects, 'DecoratorController', 'keda-kaito-scaler-inferencesets');
  const hooksOptions = optionsOf<HooksOptions>(container('hooks'), hooksCommand);
  const scalerOptions = optionsOf<ScalerOptions>(container('scaler'), scalerCommand);
  const app = createApp({ config: hooksOptions, log: silent, registry: new Registry() });

  describe('container options', () => {
    it.each(containers.map((c) => [c.name, c] as const))('%s: its arguments and variables are options of its command', (_name, c) => {
      const command = commands[c.args[0] as string];
      expect(command).toBeDefined();
      const known = Object.keys((command as Command<unknown>).options.properties).map(envName);
      const variables = (c.env ?? []).map((variable) => variable.name).filter((name) => name.startsWith('KKS_'));
      expect(variables.filter((name) => !known.includes(name))).toEqual([]);
      expect(() => optionsOf(c, command as Command<unknown>)).not.toThrow();
    });

    it('hooks: listen on the port the hooks Service targets, and log JSON', () => {
      expect(containerPort(container('hooks'), 'hooks-http')).toBe(hooksOptions.port);
      expect(hooksOptions.logFormat).toBe('json');
    });

    it('scaler: gRPC on the port the scaler Service targets, health on the port the probes use, TLS from the mounted Secret', () => {
      const scaler = container('scaler') as Container & Record<string, any>;
      const grpcTarget = grpcService['spec'].ports[0].targetPort;
      expect(containerPort(scaler, grpcTarget)).toBe(scalerOptions.grpcPort);
      expect(containerPort(scaler, scaler['readinessProbe'].httpGet.port)).toBe(scalerOptions.httpPort);
      expect(containerPort(scaler, scaler['livenessProbe'].httpGet.port)).toBe(scalerOptions.httpPort);
      const tlsMount = scaler.volumeMounts?.find((mount) => mount.mountPath === scalerOptions.tlsDir);
      const tlsVolume = pod.volumes.find((volume: { name: string }) => volume.name === tlsMount?.name);
      expect(tlsVolume?.secret?.secretName).toBe('keda-kaito-scaler-server-certs');
      expect(scalerOptions.logFormat).toBe('json');
    });

    it('scaler: discovers Workspaces from the Kubernetes API with the Pod’s ServiceAccount', () => {
      expect(scalerOptions.targets).toBeUndefined();
      expect(scalerOptions.kubeconfig).toBeUndefined();
    });

    it(`hooks: the DecoratorController watches InferenceSets as ${inferenceSetVersion}; Workspaces are always read as v1beta1`, () => {
      expect(inferenceSets['spec'].resources[0].apiVersion).toBe(inferenceSetVersion);
      expect(Object.keys(hooksOptions)).not.toContain('kaitoApiVersion');
    });

    it('hooks: send KEDA to the scaler Service and the ClusterTriggerAuthentication of the install', () => {
      const [host, port] = hooksOptions.scalerAddress.split(':');
      const { name, namespace } = grpcService.metadata;
      expect([`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`]).toContain(host);
      expect(grpcService['spec'].ports.map((p: { port: number }) => p.port)).toContain(Number(port));
      expect(hooksOptions.triggerAuthentication).toBe(creds.metadata.name);
    });
  });

  describe('the probes', () => {
    const probe = (name: string, kind: string): string => (container(name) as Container & Record<string, any>)[kind].httpGet.path;

    it.each(['livenessProbe', 'readinessProbe'])('hooks %s: a path the hooks app answers 200', async (kind) => {
      expect((await request(app).get(probe('hooks', kind))).status).toBe(200);
    });

    it('scaler livenessProbe: answered 200 even while not ready, so waiting never restarts the container', async () => {
      const health = createHealthServer({ registry: new Registry(), notReadyReasons: () => ['waiting for CRD inferencesets.kaito.sh'] });
      expect((await request(health).get(probe('scaler', 'livenessProbe'))).status).toBe(200);
    });

    it('scaler readinessProbe: 503 while the scaler cannot serve KEDA, 200 once it can', async () => {
      let reasons = ['TLS files missing'];
      const health = createHealthServer({ registry: new Registry(), notReadyReasons: () => reasons });
      expect((await request(health).get(probe('scaler', 'readinessProbe'))).status).toBe(503);
      reasons = [];
      expect((await request(health).get(probe('scaler', 'readinessProbe'))).status).toBe(200);
    });
  });

  describe('the hooks the DecoratorControllers call', () => {
    const hooks = ofKind(objects, 'DecoratorController').flatMap((controller) =>
      Object.entries(controller['spec'].hooks as Record<string, { webhook: Record<string, unknown> }>).map(
        ([hook, { webhook }]) => [`${controller.metadata.name} ${hook}`, hookTarget(webhook, services)] as const,
      ),
    );

    it.each(hooks)('%s: a route of the hooks app', async (_hook, target) => {
      if (typeof target === 'string') throw new Error(target);
      const response = await request(app).post(target.path).send({});
      expect(response.body.reason).not.toBe('NotFound');
      expect(response.status).not.toBe(404);
    });

    const inferenceSet = { ...exampleInferenceSet, apiVersion: inferenceSetVersion };

    it('sync renders a ScaledObject that is valid and names the scaler Service and the ClusterTriggerAuthentication', async () => {
      const response = await request(app)
        .post('/sync')
        .send({ controller: inferenceSets, object: inferenceSet, attachments: {}, related: {}, finalizing: false });
      expect(response.status).toBe(200);
      const [scaledObject, ...others] = response.body.attachments;
      expect(others).toEqual([]);
      expect(crdValidator('keda.sh_scaledobjects.yaml', 'ScaledObject', 'v1alpha1')(scaledObject)).toEqual([]);
      expect(scaledObject.spec.scaleTargetRef).toEqual({
        apiVersion: inferenceSetVersion,
        kind: 'InferenceSet',
        name: inferenceSet.metadata.name,
      });
      const [trigger] = scaledObject.spec.triggers;
      expect(trigger.authenticationRef).toEqual({ kind: creds.kind, name: creds.metadata.name });
      expect(trigger.metadata.scalerAddress).toBe(hooksOptions.scalerAddress);
      expect(parseTriggerMetadata(trigger.metadata)).toEqual(expect.objectContaining({ ok: true }));
    });

    it('certificates sync issues, for the scaler Service as rendered, the Secrets the scaler mounts and KEDA reads', async () => {
      const certificates = find(objects, 'DecoratorController', 'keda-kaito-scaler-certificates');
      const response = await request(app)
        .post('/certificates/sync')
        .send({ controller: certificates, object: grpcService, attachments: { 'Secret.v1': {} }, related: {}, finalizing: false });
      expect(response.status).toBe(200);
      const secrets = new Map<string, { metadata: { namespace: string }; data: Record<string, string> }>(
        response.body.attachments.map((secret: { metadata: { name: string } }) => [secret.metadata.name, secret]),
      );
      for (const secret of secrets.values()) expect(secret.metadata.namespace).toBe(kedaNamespace);

      const mounted = pod.volumes.find((volume: { secret?: unknown }) => volume.secret).secret;
      const server = secrets.get(mounted.secretName);
      expect(Object.keys(server?.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      for (const ref of creds['spec'].secretTargetRef as Array<{ name: string; key: string }>) {
        expect(secrets.get(ref.name)?.data[ref.key]).toEqual(expect.any(String));
      }

      // KEDA dials the scalerAddress the hooks render and checks the server certificate against it.
      const certificate = new X509Certificate(Buffer.from(server?.data['tls.crt'] as string, 'base64'));
      expect(certificate.checkHost(hooksOptions.scalerAddress.split(':')[0] as string)).toBeDefined();
    });

    it('customize asks for Workspaces as kaito.sh/v1beta1, whatever version InferenceSets are watched in', async () => {
      const response = await request(app).post('/customize').send({ controller: inferenceSets, parent: inferenceSet });
      expect(response.status).toBe(200);
      const workspaces = response.body.relatedResources.filter((rule: { resource: string }) => rule.resource === 'workspaces');
      expect(workspaces.map((rule: { apiVersion: string }) => rule.apiVersion)).toEqual(['kaito.sh/v1beta1']);
    });

    it('certificates customize names, in the scaler Service’s namespace, the Secrets the sync hook answers', async () => {
      const certificates = find(objects, 'DecoratorController', 'keda-kaito-scaler-certificates');
      const customized = await request(app).post('/certificates/customize').send({ controller: certificates, parent: grpcService });
      expect(customized.status).toBe(200);
      const synced = await request(app)
        .post('/certificates/sync')
        .send({ controller: certificates, object: grpcService, attachments: {}, related: {}, finalizing: false });
      const answered = synced.body.attachments.map((secret: { metadata: { name: string } }) => secret.metadata.name).sort();
      expect(customized.body.relatedResources).toEqual([
        { apiVersion: 'v1', resource: 'secrets', namespace: grpcService.metadata.namespace, names: expect.any(Array) },
      ]);
      expect([...customized.body.relatedResources[0].names].sort()).toEqual(answered);
    });
  });
});
