import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkPortFree, portProblem } from '../../lib/ports.js';

describe('portProblem: names the flag that moves the port', () => {
  const hooks = { port: 8080, flag: '--hooks-port', what: 'the hooks' };
  const replica = { port: 9002, flag: '--replica-port', what: 'replica 2' };
  it.each([
    [
      hooks,
      'EADDRINUSE',
      'port 8080 on 127.0.0.1, for the hooks, is in use: stop what listens there, or pass --hooks-port with another port',
    ],
    [
      replica,
      'EADDRINUSE',
      'port 9002 on 127.0.0.1, for replica 2, is in use: stop what listens there, or pass --replica-port with another port (the replicas take consecutive ports from it)',
    ],
    [
      { ...hooks, port: 80 },
      'EACCES',
      'port 80 on 127.0.0.1, for the hooks, is not allowed for this user (ports below 1024 need privileges): pass --hooks-port with another port',
    ],
    [
      { ...hooks, flag: '--port', env: 'KKS_PORT' },
      'EADDRINUSE',
      'port 8080 on 127.0.0.1, for the hooks, is in use: stop what listens there, or pass --port (or KKS_PORT) with another port',
    ],
    [hooks, 'EADDRNOTAVAIL', 'cannot listen on 127.0.0.1:8080 for the hooks (detail): pass --hooks-port with another port'],
  ])('%p %s', (use, code, message) => {
    expect(portProblem(use, '127.0.0.1', code, 'detail')).toBe(message);
  });
});

describe('checkPortFree', () => {
  it('is ok for a free port and for 0, and names the flag and variable for a taken one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const use = { port, flag: '--grpc-port', env: 'KKS_GRPC_PORT', what: "the scaler's gRPC server" };
      expect(await checkPortFree(use, '127.0.0.1')).toEqual({
        ok: false,
        problem: {
          reason: 'PortInUse',
          message: `port ${port} on 127.0.0.1, for the scaler's gRPC server, is in use: stop what listens there, or pass --grpc-port (or KKS_GRPC_PORT) with another port`,
        },
      });
      expect((await checkPortFree({ ...use, port: 0 }, '127.0.0.1')).ok).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await checkPortFree({ port, flag: '--grpc-port', what: 'x' }, '127.0.0.1')).ok).toBe(true);
  });
});
