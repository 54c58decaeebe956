import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { filterExposition, requestedNames } from './exposition-filter.js';
import { firstMessage, forkPinned, procCpuMs } from './processes.js';

/**
 * Many stand-ins for vLLM replicas, each on a port of its own, served by one child process
 * so that their CPU is not the benchmark's: every `GET` answers a fixture page after
 * `delayMs`, whole (a server that ignores `name[]`) or filtered the way prometheus_client
 * filters (`filter: true`). The farm counts the bytes it sends, which are the bytes the
 * scraper reads.
 */
export interface FarmOptions {
  /** Listening ports, one per replica. */
  readonly count: number;
  readonly delayMs: number;
  /** Honour `?name[]=` (prometheus_client) instead of always sending the whole page. */
  readonly filter: boolean;
  /** The page to serve (a file). */
  readonly page: string;
  /** Pin the farm to this core (`taskset`), where possible. */
  readonly core?: number;
}

export interface Traffic {
  /** Bytes sent on every connection: status lines, headers and bodies. */
  readonly wire: number;
  /** Body bytes alone. */
  readonly body: number;
}

export interface Farm {
  /** `host:port` of each replica. */
  readonly addresses: readonly string[];
  /** `http://host:port/metrics` of each replica. */
  readonly urls: readonly string[];
  readonly pid: number;
  /** Size of the whole page. */
  readonly pageBytes: number;
  traffic(): Promise<Traffic>;
  /** CPU the farm has used so far (ms). */
  cpuMs(): number;
  close(): Promise<void>;
}

type FromFarm =
  | { readonly type: 'ready'; readonly addresses: string[]; readonly pageBytes: number }
  | ({ readonly type: 'traffic' } & Traffic);

export async function startFarm(options: FarmOptions): Promise<Farm> {
  const child = forkPinned(fileURLToPath(import.meta.url), [JSON.stringify(options)], options.core);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends FromFarm['type']>(type: T) =>
    firstMessage(child, (message): message is Extract<FromFarm, { type: T }> => (message as FromFarm).type === type);
  const { addresses, pageBytes } = await next('ready');
  return {
    addresses,
    pageBytes,
    urls: addresses.map((address) => `http://${address}/metrics`),
    pid: child.pid ?? -1,
    async traffic() {
      const answer = next('traffic');
      child.send({ type: 'traffic' });
      const { wire, body } = await answer;
      return { wire, body };
    },
    cpuMs: () => procCpuMs(child.pid ?? -1),
    async close() {
      child.kill();
      await exited;
    },
  };
}

/** In the farm's process. */
async function serveFarm(options: FarmOptions): Promise<void> {
  const page = readFileSync(options.page, 'utf8');
  const whole = Buffer.from(page);
  const filtered = new Map<string, Buffer>();
  let body = 0;
  let closedWire = 0;
  const sockets = new Set<Socket>();

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    let content: Buffer = whole;
    if (options.filter && (request.url ?? '').includes('?')) {
      const query = request.url ?? '';
      let cached = filtered.get(query);
      if (cached === undefined) {
        cached = Buffer.from(filterExposition(page, requestedNames(query)));
        filtered.set(query, cached);
      }
      content = cached;
    }
    body += content.length;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': content.length }).end(content);
  };
  const http = createHttpServer({ keepAliveTimeout: 5000 }, (request, response) => {
    if (options.delayMs > 0) setTimeout(() => answer(request, response), options.delayMs);
    else answer(request, response);
  });
  const listeners: Server[] = [];
  const addresses: string[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const listener = createNetServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        closedWire += socket.bytesWritten;
      });
      http.emit('connection', socket);
    });
    await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    addresses.push(`127.0.0.1:${address.port}`);
    listeners.push(listener);
  }
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'traffic') return;
    let wire = closedWire;
    for (const socket of sockets) wire += socket.bytesWritten;
    process.send?.({ type: 'traffic', wire, body });
  });
  // The parent is gone: so is the farm.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', addresses, pageBytes: whole.length });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await serveFarm(JSON.parse(process.argv[2] ?? '{}') as FarmOptions);
}
