import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * Local servers that stand in for vLLM replicas gone wrong, one behaviour each, on
 * 127.0.0.1 at a port the OS picks. Each counts the requests and connections it saw, so a
 * test can tell that nothing was asked of it (a redirect's destination) or that nothing
 * stays open (a body that was cut off).
 */
export const BEHAVIOURS = [
  'healthy',
  'refused',
  'silent',
  'drip',
  'huge-declared',
  'endless-chunked',
  'near-cap',
  'gzip-bomb',
  'status-500',
  'status-404',
  'status-429',
  'redirect',
  'html',
  'binary-body',
  'not-http',
  'huge-headers',
  'malformed-in-family',
  'malformed-elsewhere',
  'quadratic-labels',
  'quadratic-value',
  'nan',
  'plus-inf',
  'minus-inf',
  'nan-huge-labels',
  'negative',
  'huge-value',
  'duplicate-series',
  'histogram',
  'empty',
  'reset-mid-body',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const FAMILY = 'vllm:num_requests_waiting';

export interface HostileTarget {
  readonly behaviour: Behaviour;
  /** `127.0.0.1:<port>`, as a static targets file lists a replica. */
  readonly address: string;
  /** `http://127.0.0.1:<port>/metrics` */
  readonly url: string;
  /** Requests received (for servers that speak HTTP) or connections accepted (for those that do not). */
  readonly requests: number;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** The scraper's body cap: `huge-declared`, `endless-chunked` and `near-cap` are sized from it. */
  readonly maxBodyBytes: number;
  /** The value `healthy` serves (default 2). */
  readonly value?: number;
  /** How long `healthy` takes to answer (default 0). */
  readonly delayMs?: number;
}

/** A gauge page of the family with one series per value. */
export const gauge = (...values: Array<number | string>): string =>
  [
    `# HELP ${FAMILY} Number of requests waiting to be processed.`,
    `# TYPE ${FAMILY} gauge`,
    ...values.map(
      (value, engine) => `${FAMILY}{engine="${engine}",model_name="phi-4-mini"} ${typeof value === 'number' ? value.toFixed(1) : value}`,
    ),
    '',
  ].join('\n');

const HTML = '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n';

/** A gzip body that is small on the wire and 1 GiB inflated (64 members of 16 MiB of zeros). */
let bomb: Buffer | undefined;
function gzipBomb(): Buffer {
  bomb ??= (() => {
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    return Buffer.concat(Array.from({ length: 64 }, () => member));
  })();
  return bomb;
}

/** A page of the family padded with comments to `size` bytes. */
function paddedPage(size: number, value: number): string {
  const page = gauge(value);
  const comment = `# ${'x'.repeat(1000)}\n`;
  const lines = Math.max(0, Math.floor((size - page.length) / comment.length));
  return comment.repeat(lines) + page;
}

type Respond = (request: IncomingMessage, response: ServerResponse, socket: Socket) => void;

const send =
  (body: string | Buffer, headers: Record<string, string> = {}, status = 200): Respond =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...headers });
    response.end(body);
  };

function responder(behaviour: Behaviour, options: HostileOptions, redirectTo: string): Respond | 'raw' {
  const cap = options.maxBodyBytes;
  switch (behaviour) {
    case 'healthy': {
      const answer = send(gauge(options.value ?? 2));
      const delayMs = options.delayMs ?? 0;
      if (delayMs === 0) return answer;
      return (request, response, socket) => {
        const timer = setTimeout(() => answer(request, response, socket), delayMs);
        response.on('close', () => clearTimeout(timer));
      };
    }
    case 'drip':
      return (_request, response) => {
        const body = gauge(1);
        response.writeHead(200, { 'content-length': String(body.length) });
        let at = 0;
        const timer = setInterval(() => {
          if (response.destroyed || at >= body.length) return clearInterval(timer);
          response.write(body.slice(at, at + 1));
          at += 1;
        }, 1000);
        response.on('close', () => clearInterval(timer));
      };
    case 'huge-declared':
      return (_request, response) => {
        response.writeHead(200, { 'content-length': String(cap * 4) });
        // Only a little is written: a declared length over the cap must be refused unread.
        response.write('#'.repeat(1024));
      };
    case 'endless-chunked':
      return (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.from(`${FAMILY}{engine="0"} 1\n`.repeat(512));
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once('drain', pump);
        };
        pump();
      };
    case 'near-cap':
      return send(paddedPage(cap - 64, 4));
    case 'gzip-bomb':
      return send(gzipBomb(), { 'content-encoding': 'gzip' });
    case 'status-500':
      return send('Internal Server Error\n', {}, 500);
    case 'status-404':
      return send('Not Found\n', {}, 404);
    case 'status-429':
      return send('Too Many Requests\n', { 'retry-after': '30' }, 429);
    case 'redirect':
      return (_request, response) => {
        response.writeHead(302, { location: redirectTo });
        response.end();
      };
    case 'html':
      return send(HTML, { 'content-type': 'text/html' });
    case 'binary-body':
      return send(randomBytes(64 * 1024), { 'content-type': 'application/octet-stream' });
    case 'huge-headers':
      return (_request, response) => {
        for (let index = 0; index < 64; index += 1) response.setHeader(`x-padding-${index}`, 'p'.repeat(1024));
        response.end(gauge(1));
      };
    case 'malformed-in-family':
      return send(`${gauge(3)}${FAMILY}{engine="1" 4\n`);
    case 'malformed-elsewhere':
      return send(`# TYPE vllm:other gauge\nvllm:other{engine="0" 1\nvllm:other{ ~~ }}} NaN NaN\n${gauge(3)}`);
    case 'quadratic-labels':
      // Backtracking regular expressions take time quadratic in such a line.
      return send(`${FAMILY}{engine="0"${' '.repeat(cap - 256)}x} 1\n`);
    case 'quadratic-value':
      return send(`${FAMILY}{engine="0"} ${'1'.repeat(cap - 256)}x\n`);
    case 'nan':
      return send(gauge(3, 'NaN'));
    case 'plus-inf':
      return send(gauge('+Inf'));
    case 'minus-inf':
      return send(gauge(3, '-Inf'));
    case 'nan-huge-labels':
      return send(`${FAMILY}{engine="0",padding="${'p'.repeat(cap - 256)}"} NaN\n`);
    case 'negative':
      return send(gauge(-5));
    case 'huge-value':
      return send(gauge('1e308', '1e308'));
    case 'duplicate-series':
      return send(`${gauge(3)}${FAMILY}{engine="0",model_name="phi-4-mini"} 4.0\n`);
    case 'histogram':
      return send(
        `# TYPE ${FAMILY} histogram\n${FAMILY}_bucket{le="1.0"} 1\n${FAMILY}_bucket{le="+Inf"} 2\n${FAMILY}_sum 3.5\n${FAMILY}_count 2\n`,
      );
    case 'empty':
      return send('');
    case 'reset-mid-body':
      return (_request, response, socket) => {
        response.writeHead(200, { 'content-length': '4096' });
        response.write(gauge(1).slice(0, 40), () => setTimeout(() => socket.resetAndDestroy(), 10));
      };
    case 'refused':
    case 'silent':
    case 'not-http':
      return 'raw';
  }
}

/** Starts one hostile target. `redirect` answers with a Location on `redirectTo` (default: nowhere). */
export async function startHostile(
  behaviour: Behaviour,
  options: HostileOptions,
  redirectTo = 'http://localhost:9/metrics',
): Promise<HostileTarget> {
  const sockets = new Set<Socket>();
  let requests = 0;
  // Built before serving: compressing it takes a while, which no request should wait for.
  if (behaviour === 'gzip-bomb') gzipBomb();
  const respond = responder(behaviour, options, redirectTo);
  let server: Server;
  if (respond === 'raw') {
    server = createNetServer((socket) => {
      requests += 1;
      socket.on('error', () => {});
      // not-http: a line of another protocol, then bytes nobody can read, then close.
      if (behaviour === 'not-http')
        socket.once('data', () => socket.end(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), randomBytes(512)])));
      // silent: accept, read (so that the peer's close is seen), never answer.
      else socket.resume();
    });
  } else {
    const http = createHttpServer((request, response) => {
      requests += 1;
      respond(request, response, request.socket);
    });
    http.keepAliveTimeout = 60_000;
    server = http;
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  // refused: the port was ours a moment ago, and nothing listens there now.
  if (behaviour === 'refused') await close();
  return {
    behaviour,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    get requests() {
      return requests;
    },
    get open() {
      return sockets.size;
    },
    close,
  };
}
