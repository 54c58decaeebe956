import { X509Certificate } from 'node:crypto';
import { rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok } from '../../lib/result.js';
import { startScaler, type RunningScaler, type ScalerParts } from '../../scaler/start.js';
import { startStaticDiscovery } from '../../scaler/discovery/static.js';
import { triggerConfig } from './trigger-config.js';
import { captureLog, eventually, scalerClient, tempDir, type ClientIdentity, type TestClient, testScalerOptions } from './helpers.js';
import { createAuthority, writeTlsDir, type Pem, type TestAuthority } from './pki.js';

/**
 * Certificate rotation under load: kubelet swaps the scaler's mounted Secret (a new leaf,
 * then a CA rollover, then the old CA leaving the bundle) while clients keep calling, both
 * on a connection that stays open and on a fresh connection per call.
 */

const parts: ScalerParts = {
  createCore: () => ({
    parseTriggerMetadata: (metadata) =>
      metadata['inferenceSetName'] && metadata['inferenceSetNamespace']
        ? ok(
            triggerConfig({
              inferenceSetName: metadata['inferenceSetName'],
              inferenceSetNamespace: metadata['inferenceSetNamespace'],
              metricName: 'm',
              threshold: 1,
            }),
          )
        : fail('InvalidMetadata', 'inferenceSetName and inferenceSetNamespace are required'),
    targetUrls: (_config, _namespace, workspaces) => workspaces.map((ws) => `http://${ws.address}/metrics`),
    // Long enough that calls are in flight whenever the files change.
    measure: () => new Promise((resolve) => setTimeout(() => resolve(ok({ value: 1, active: true })), 15)),
    close: () => undefined,
  }),
  startDiscovery: ({ targets, log }) => startStaticDiscovery({ file: targets!, log, watch: false }),
};

const ref = { name: 'so', namespace: 'default', scalerMetadata: { inferenceSetName: 'phi-4', inferenceSetNamespace: 'default' } };

/** kubelet's update of a mounted Secret: a new folder, `..data` swapped to it atomically, the old folder removed. */
async function publish(dir: string, version: number, authorities: Pem[], leaf: Pem): Promise<void> {
  await writeTlsDir(join(dir, `..v${version}`), authorities, leaf);
  await symlink(`..v${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (version === 1) for (const name of ['ca.crt', 'tls.crt', 'tls.key']) await symlink(join('..data', name), join(dir, name));
  else await rm(join(dir, `..v${version - 1}`), { recursive: true });
}

const bundle = (...authorities: Pem[]) => authorities.map((authority) => authority.certificate.trim()).join('\n');
const fingerprint = (leaf: Pem) => new X509Certificate(leaf.certificate).fingerprint256;

interface Load {
  ok: number;
  failed: string[];
}

describe('certificate rotation under load', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let scaler: RunningScaler;
  let running = true;

  afterAll(async () => {
    running = false;
    await scaler?.stop();
    await dir?.remove();
  });

  it('drops no call through a new leaf, a CA rollover and the old CA leaving', async () => {
    dir = await tempDir('rotation');
    const tlsDir = join(dir.path, 'tls');
    await writeFile(join(dir.path, 'targets.yaml'), 'inferenceSets:\n  - {namespace: default, name: phi-4, workspaces: ["127.0.0.1:9"]}\n');

    const ca1: TestAuthority = createAuthority();
    const server1 = ca1.serverLeaf();
    const client1 = ca1.clientLeaf();
    await publish(tlsDir, 1, [ca1], server1);

    const started = await startScaler(
      testScalerOptions({ tlsDir, targets: join(dir.path, 'targets.yaml'), scrapeConcurrency: 8 }),
      captureLog().log,
      parts,
    );
    if (!started.ok) throw new Error(started.problem.message);
    scaler = started.value;
    const port = scaler.grpcPort;

    // What the client Secret holds at each moment: KEDA connects with it.
    let identity: ClientIdentity = { ca: bundle(ca1), ...client1 };
    const kept: Load = { ok: 0, failed: [] };
    const fresh: Load = { ok: 0, failed: [] };
    const record = (load: Load, outcome: Awaited<ReturnType<TestClient['getMetrics']>>) =>
      outcome.ok ? load.ok++ : load.failed.push(`${outcome.code}: ${outcome.details}`);

    const keptClient = scalerClient(port, identity);
    const keptLoops = [0, 1, 2, 3].map(async () => {
      while (running) record(kept, await keptClient.getMetrics(ref));
    });
    const freshLoop = (async () => {
      while (running) {
        const client = scalerClient(port, identity);
        record(fresh, await client.getMetrics(ref));
        client.close();
      }
    })();

    /** A fresh connection with `who`'s certificate, trusting what the client Secret holds now. */
    const accepts = async (who: Pem) => {
      const client = scalerClient(port, { ca: identity.ca, ...who });
      try {
        return (await client.getMetrics(ref)).ok;
      } finally {
        client.close();
      }
    };
    const progress = async (load: Load) => {
      const before = load.ok;
      await eventually('calls to go on', () => load.ok >= before + 10);
    };

    try {
      await progress(kept);
      await progress(fresh);

      // 1. A new server leaf and a new client leaf from the same CA.
      const server2 = ca1.serverLeaf();
      const client2 = ca1.clientLeaf();
      await publish(tlsDir, 2, [ca1], server2);
      await eventually('the new leaf', () => scaler.tls.current()?.fingerprint === fingerprint(server2));
      identity = { ca: bundle(ca1), ...client2 };
      await progress(fresh);
      expect(await accepts(client1)).toBe(true); // KEDA may still hold the previous client certificate
      expect(await accepts(client2)).toBe(true);

      // 2a. A new CA joins every bundle; the leaves are still the old CA's.
      const ca2 = createAuthority();
      await publish(tlsDir, 3, [ca1, ca2], server2);
      await eventually('the bundle of two CAs', () => scaler.tls.current()?.authorities === 2);
      identity = { ca: bundle(ca1, ca2), ...client2 };
      await progress(fresh);

      // 2b. Leaves from the new CA; both CAs trusted.
      const server3 = ca2.serverLeaf();
      const client3 = ca2.clientLeaf();
      await publish(tlsDir, 4, [ca1, ca2], server3);
      await eventually("the new CA's leaf", () => scaler.tls.current()?.fingerprint === fingerprint(server3));
      identity = { ca: bundle(ca1, ca2), ...client3 };
      await progress(fresh);
      expect(await accepts(client2)).toBe(true); // old CA's client, still in the bundle
      expect(await accepts(client1)).toBe(true);
      expect(await accepts(client3)).toBe(true);

      // 3. The old CA leaves the bundle: its clients are refused from then on.
      await publish(tlsDir, 5, [ca2], server3);
      await eventually('the old CA gone', () => scaler.tls.current()?.authorities === 1);
      identity = { ca: bundle(ca2), ...client3 };
      await progress(fresh);
      expect(await accepts(client2)).toBe(false);
      expect(await accepts(client3)).toBe(true);
      await progress(kept);
    } finally {
      running = false;
      await Promise.all([...keptLoops, freshLoop]);
      keptClient.close();
    }

    expect(kept.failed).toEqual([]);
    expect(fresh.failed).toEqual([]);
    expect(kept.ok).toBeGreaterThan(40);
  }, 60_000);
});
