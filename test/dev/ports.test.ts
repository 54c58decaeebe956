import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkPortsFree, planPorts, type PortOptions } from '../../dev/ports.js';

const defaults: PortOptions = { hooksPort: 8080, grpcPort: 10450, httpPort: 10451, replicaPort: 9001, replicas: 3 };

describe('planPorts: consecutive replica ports, no port given twice', () => {
  it.each<[string, Partial<PortOptions>, number[]]>([
    ['the defaults', {}, [8080, 10450, 10451, 9001, 9002, 9003]],
    ['one replica', { replicas: 1 }, [8080, 10450, 10451, 9001]],
    ['replicas up to the last port', { replicaPort: 65533 }, [8080, 10450, 10451, 65533, 65534, 65535]],
    ['any free port for each replica', { replicaPort: 0 }, [8080, 10450, 10451, 0, 0, 0]],
    ['any free port everywhere', { hooksPort: 0, grpcPort: 0, httpPort: 0, replicaPort: 0 }, [0, 0, 0, 0, 0, 0]],
  ])('%s', (_case, change, expected) => {
    const plan = planPorts({ ...defaults, ...change });
    if (!plan.ok) throw new Error(plan.problem.message);
    expect([plan.value.hooks, plan.value.grpc, plan.value.http, ...plan.value.replicas].map((use) => use.port)).toEqual(expected);
  });

  it.each<[string, Partial<PortOptions>, string]>([
    [
      'replicas beyond 65535',
      { replicaPort: 65534 },
      '--replica-port 65534 with --replicas 3 needs ports up to 65536: pick a --replica-port of at most 65533',
    ],
    [
      'hooks on a replica port',
      { hooksPort: 9002 },
      'port 9002 is given to the hooks (--hooks-port) and to replica 2 (--replica-port): give each its own port',
    ],
    [
      'gRPC and HTTP on one port',
      { httpPort: 10450 },
      "port 10450 is given to the scaler's gRPC server (--grpc-port) and to the scaler's health and metrics server (--http-port): give each its own port",
    ],
  ])('refuses %s', (_case, change, message) => {
    expect(planPorts({ ...defaults, ...change })).toEqual({ ok: false, problem: { reason: 'InvalidPorts', message } });
  });
});

describe('checkPortsFree', () => {
  const taken: Server[] = [];
  const take = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    taken.push(server);
    return (server.address() as AddressInfo).port;
  };
  afterAll(async () => {
    for (const server of taken) await new Promise((resolve) => server.close(resolve));
  });

  it('passes free ports and leaves them free', async () => {
    const plan = planPorts({ hooksPort: 0, grpcPort: 0, httpPort: 0, replicaPort: 0, replicas: 2 });
    if (!plan.ok) throw new Error(plan.problem.message);
    await expect(checkPortsFree(plan.value, '127.0.0.1')).resolves.toEqual({ ok: true, value: undefined });
  });

  it('names the flag of a port in use', async () => {
    const port = await take();
    const plan = planPorts({ hooksPort: 0, grpcPort: port, httpPort: 0, replicaPort: 0, replicas: 1 });
    if (!plan.ok) throw new Error(plan.problem.message);
    const checked = await checkPortsFree(plan.value, '127.0.0.1');
    expect(checked).toEqual({
      ok: false,
      problem: {
        reason: 'PortInUse',
        message: `port ${port} on 127.0.0.1, for the scaler's gRPC server, is in use: stop what listens there, or pass --grpc-port with another port`,
      },
    });
  });

  it('lists every port in use at once', async () => {
    const [hooks, http] = [await take(), await take()];
    const plan = planPorts({ hooksPort: hooks, grpcPort: 0, httpPort: http, replicaPort: 0, replicas: 1 });
    if (!plan.ok) throw new Error(plan.problem.message);
    const checked = await checkPortsFree(plan.value, '127.0.0.1');
    expect(checked.ok ? '' : checked.problem.message).toBe(
      `ports ${hooks} (the hooks, --hooks-port), ${http} (the scaler's health and metrics server, --http-port) on 127.0.0.1 cannot be listened on: ` +
        'stop what listens there (another keda-kaito-scaler dev?), or pass --hooks-port, --http-port with other ports',
    );
  });
});
