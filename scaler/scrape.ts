import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Problem, Result } from '../lib/result.js';
import { clip } from '../lib/text.js';

/**
 * One GET of a replica's metrics page, with Node's own http/https on keep-alive agents.
 * Every way it can go wrong becomes a reason; `fetch` never rejects, and leaves no socket
 * or timer behind once it has settled.
 */
export const SCRAPE_FAILURES = [
  'Unreachable',
  'Timeout',
  'TlsError',
  'HttpStatus',
  'Redirect',
  'ContentEncoding',
  'TooLarge',
  'BadResponse',
  'InvalidUrl',
  'Cancelled',
] as const;
export type ScrapeFailure = (typeof SCRAPE_FAILURES)[number];

/** The page's body, or why the replica gave none. */
export type ScrapeResult = Result<string, Problem<ScrapeFailure>>;

export interface ScraperOptions {
  /** Larger bodies are cut off (the socket is destroyed) and count as missing. */
  readonly maxBodyBytes: number;
  /** Idle keep-alive sockets are closed after this long (stay under the servers' own keep-alive timeout). */
  readonly idleSocketMs: number;
  /** Trust for `https` targets: a PEM bundle replacing the system CAs, and whether to verify at all. */
  readonly https?: { readonly ca?: string | Buffer; readonly rejectUnauthorized?: boolean };
}

export interface Scraper {
  /** GET `url`; the whole exchange (connect, headers, body) must finish within `timeoutMs`. */
  fetch(url: string, timeoutMs: number): Promise<ScrapeResult>;
  /** Aborts what is in flight (as `Cancelled`) and closes every socket. */
  close(): void;
}

const HEADERS = {
  // The classic text format; servers that only speak OpenMetrics are read as well.
  accept: 'text/plain;version=0.0.4;q=1.0, */*;q=0.1',
  // We never decompress: a few KB of gzip can expand to gigabytes.
  'accept-encoding': 'identity',
  'user-agent': 'keda-kaito-scaler',
};

/**
 * `url` with `name[]=<name>` added for each name (URL-encoded), after any query the URL
 * already has, which is kept byte for byte.
 */
export function filteredUrl(url: string, names: readonly string[]): string {
  const query = names.map((name) => `${encodeURIComponent('name[]')}=${encodeURIComponent(name)}`).join('&');
  if (query === '') return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}`;
}

class Abort extends Error {
  constructor(
    readonly missing: ScrapeFailure,
    detail: string,
  ) {
    super(detail);
  }
}

export function createScraper(options: ScraperOptions): Scraper {
  const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, timeout: options.idleSocketMs };
  const httpAgent = closeIdleSockets(new http.Agent(agentOptions));
  const httpsAgent = closeIdleSockets(new https.Agent({ ...agentOptions, ...options.https }));
  const inFlight = new Set<ClientRequest>();
  let closed = false;

  const fetch = (url: string, timeoutMs: number): Promise<ScrapeResult> => {
    if (closed) return Promise.resolve({ ok: false, problem: { reason: 'Cancelled', message: 'the scraper is closed' } });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({ ok: false, problem: { reason: 'InvalidUrl', message: `${JSON.stringify(url)} is not a URL` } });
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.resolve({ ok: false, problem: { reason: 'InvalidUrl', message: `${target.protocol} is neither http: nor https:` } });
    }
    if (!(timeoutMs > 0)) return Promise.resolve({ ok: false, problem: { reason: 'Timeout', message: 'no time left to scrape' } });

    return new Promise<ScrapeResult>((resolvePromise) => {
      // Let go of once settled. This closure's context often lives in the old generation
      // (the exchange outlives young collections), where it stays, dead, until the next full
      // collection; through `resolve` it would keep the page just read alive across every
      // young collection until then, copied and promoted: much of the scraper's GC work.
      let resolve: ((result: ScrapeResult) => void) | undefined = resolvePromise;
      let settled = false;
      let current: ClientRequest | undefined;
      const settle = (result: ScrapeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (current !== undefined) inFlight.delete(current);
        const done = resolve;
        resolve = undefined;
        done?.(result);
      };
      const abort = (request: ClientRequest, error: Abort) => {
        settle({ ok: false, problem: { reason: error.missing, message: error.message } });
        request.destroy(error);
      };
      // `current` is set before the timer can fire: `attempt` runs synchronously below.
      const timer = setTimeout(
        () => abort(current as ClientRequest, new Abort('Timeout', `no complete answer within ${Math.round(timeoutMs)} ms`)),
        timeoutMs,
      );

      const attempt = (retry: boolean) => {
        const request = (secure ? https : http).request(target, {
          method: 'GET',
          agent: secure ? httpsAgent : httpAgent,
          headers: HEADERS,
        });
        current = request;
        inFlight.add(request);
        let answered = false;
        request.on('error', (error: NodeJS.ErrnoException) => {
          if (settled) return;
          // The server closed an idle keep-alive socket just as we reused it: nothing was
          // processed, so one more try on a fresh connection is safe.
          if (retry && !answered && request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
            inFlight.delete(request);
            attempt(false);
            return;
          }
          settle(failure(error));
        });
        request.on('response', (response: IncomingMessage) => {
          answered = true;
          read(request, response);
        });
        request.end();
      };

      const read = (request: ClientRequest, response: IncomingMessage) => {
        response.on('error', (error) => settle(failure(error)));
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          const location = response.headers.location;
          const shown = location === undefined ? '(no Location)' : JSON.stringify(clip(location, 200));
          return abort(request, new Abort('Redirect', `HTTP ${status} to ${shown}; redirects are not followed`));
        }
        if (status < 200 || status >= 300) return abort(request, new Abort('HttpStatus', `HTTP ${status}`));
        const encoding = response.headers['content-encoding']?.trim().toLowerCase();
        if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
          return abort(request, new Abort('ContentEncoding', `the body is encoded as ${JSON.stringify(encoding)}; only identity is read`));
        }
        const declared = Number(response.headers['content-length']);
        if (declared > options.maxBodyBytes) {
          return abort(request, new Abort('TooLarge', `the body is ${declared} bytes, more than the ${options.maxBodyBytes} allowed`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBodyBytes)
            abort(request, new Abort('TooLarge', `the body is more than the ${options.maxBodyBytes} bytes allowed`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          // A page usually arrives in one chunk: decode it as it is rather than copy it first.
          const [first] = chunks;
          settle({ ok: true, value: (chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks, size)).toString('utf8') });
        });
        response.on('close', () => {
          if (!response.complete)
            settle({ ok: false, problem: { reason: 'Unreachable', message: 'the connection closed before the end of the body' } });
        });
      };

      attempt(true);
    });
  };

  return {
    fetch,
    close() {
      closed = true;
      for (const request of inFlight) request.destroy(new Abort('Cancelled', 'the scraper was closed'));
      inFlight.clear();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * Closes a keep-alive socket that stays idle for the agent's `timeout` (or less, when the
 * server's Keep-Alive header asks for less), with a timer of its own instead of the
 * socket's inactivity timeout. On that timeout Node's agent looks for the socket in the
 * free lists of every host it knows: with thousands of replicas, each idle socket closed
 * cost a walk over thousands of lists, the scaler's largest CPU cost at 1,000
 * InferenceSets.
 */
function closeIdleSockets<A extends http.Agent>(agent: A): A {
  // What Node's agent calls when a socket turns idle (it keeps the socket on true; the
  // type says void) and when it hands an idle socket to a request.
  const pool = agent as unknown as { keepSocketAlive(socket: Duplex): boolean; reuseSocket(socket: Duplex, request: ClientRequest): void };
  const keepSocketAlive = pool.keepSocketAlive.bind(agent);
  const reuseSocket = pool.reuseSocket.bind(agent);
  const timers = new WeakMap<Duplex, NodeJS.Timeout>();
  pool.keepSocketAlive = (socket) => {
    if (!keepSocketAlive(socket)) return false;
    // The agent has just set the socket's timeout to the idle time it allows.
    const net = socket as Socket;
    const idleMs = net.timeout ?? 0;
    if (idleMs > 0) {
      net.setTimeout(0);
      timers.set(socket, setTimeout(() => socket.destroy(), idleMs).unref());
    }
    return true;
  };
  pool.reuseSocket = (socket, request) => {
    clearTimeout(timers.get(socket));
    timers.delete(socket);
    reuseSocket(socket, request);
  };
  return agent;
}

const TLS_CODE = /CERT|TLS|SSL|SIGNED|VERIFY|ALTNAME/;

/** Network failures whose code says it all. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function failure(error: NodeJS.ErrnoException): ScrapeResult {
  if (error instanceof Abort) return { ok: false, problem: { reason: error.missing, message: error.message } };
  const code = error.code ?? '';
  if (TLS_CODE.test(code) || /\bSSL\b|certificate/i.test(error.message))
    return { ok: false, problem: { reason: 'TlsError', message: `${code}: ${error.message}` } };
  // Node's HTTP parser: the peer answered, but not in HTTP.
  if (code.startsWith('HPE_')) return { ok: false, problem: { reason: 'BadResponse', message: `${code}: ${error.message}` } };
  return {
    ok: false,
    problem: { reason: 'Unreachable', message: UNREACHABLE[code] ?? (code === '' ? error.message : `${code}: ${error.message}`) },
  };
}
