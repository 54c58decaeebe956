import { createServer } from 'node:http';
import { listen } from '../lib/lifecycle.js';
import { portProblem, type PortUse } from '../lib/ports.js';
import { fail, ok, type Result } from '../lib/result.js';

/**
 * The ports of the dev stack, each with the flag that sets it, so that a port that is taken
 * is reported with the flag to change.
 */
export interface PortPlan {
  readonly hooks: PortUse;
  readonly grpc: PortUse;
  readonly http: PortUse;
  readonly replicas: readonly PortUse[];
}

export interface PortOptions {
  readonly hooksPort: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly replicaPort: number;
  readonly replicas: number;
}

export const allPorts = (plan: PortPlan): PortUse[] => [plan.hooks, plan.grpc, plan.http, ...plan.replicas];

/** Replicas take consecutive ports from --replica-port (0: each any free port); no two parts may share one. */
export function planPorts(options: PortOptions): Result<PortPlan> {
  const last = options.replicaPort + options.replicas - 1;
  if (options.replicaPort !== 0 && last > 65535) {
    return fail(
      'InvalidPorts',
      `--replica-port ${options.replicaPort} with --replicas ${options.replicas} needs ports up to ${last}: pick a --replica-port of at most ${65536 - options.replicas}`,
    );
  }
  const plan: PortPlan = {
    hooks: { port: options.hooksPort, flag: '--hooks-port', what: 'the hooks' },
    grpc: { port: options.grpcPort, flag: '--grpc-port', what: "the scaler's gRPC server" },
    http: { port: options.httpPort, flag: '--http-port', what: "the scaler's health and metrics server" },
    replicas: Array.from({ length: options.replicas }, (_, index) => ({
      port: options.replicaPort === 0 ? 0 : options.replicaPort + index,
      flag: '--replica-port',
      what: `replica ${index + 1}`,
    })),
  };
  const seen = new Map<number, PortUse>();
  for (const use of allPorts(plan)) {
    const first = seen.get(use.port);
    if (use.port !== 0 && first !== undefined && first.flag !== use.flag) {
      return fail(
        'InvalidPorts',
        `port ${use.port} is given to ${first.what} (${first.flag}) and to ${use.what} (${use.flag}): give each its own port`,
      );
    }
    seen.set(use.port, use);
  }
  return ok(plan);
}

/** Tries each fixed port before anything starts, so that one that is taken stops the stack before it half starts. */
export async function checkPortsFree(plan: PortPlan, host: string): Promise<Result<void>> {
  const taken: Array<{ use: PortUse; code: string | undefined; detail: string }> = [];
  for (const use of allPorts(plan)) {
    if (use.port === 0) continue;
    const server = createServer();
    try {
      await listen(server, use.port, host);
    } catch (error) {
      taken.push({ use, code: (error as NodeJS.ErrnoException).code, detail: (error as Error).message });
    } finally {
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    }
  }
  const [first] = taken;
  if (first === undefined) return ok(undefined);
  if (taken.length === 1) return fail('PortInUse', portProblem(first.use, host, first.code, first.detail));
  const list = taken.map(({ use }) => `${use.port} (${use.what}, ${use.flag})`).join(', ');
  const flags = [...new Set(taken.map(({ use }) => use.flag))].join(', ');
  return fail(
    'PortInUse',
    `ports ${list} on ${host} cannot be listened on: stop what listens there (another keda-kaito-scaler dev?), or pass ${flags} with other ports`,
  );
}
