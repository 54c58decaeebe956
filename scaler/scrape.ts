import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';

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

export type ScrapeResult =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly missing: ScrapeFailure; readonly detail: string };

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
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent({ ...agentOptions, ...options.https });
  const inFlight = new Set<ClientRequest>();
  let closed = false;

  const fetch = (url: string, timeoutMs: number): Promise<ScrapeResult> => {
    if (closed) return Promise.resolve({ ok: false, missing: 'Cancelled', detail: 'the scraper is closed' });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({ ok: false, missing: 'InvalidUrl', detail: `${JSON.stringify(url)} is not a URL` });
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.resolve({ ok: false, missing: 'InvalidUrl', detail: `${target.protocol} is neither http: nor https:` });
    }
    if (!(timeoutMs > 0)) return Promise.resolve({ ok: false, missing: 'Timeout', detail: 'no time left to scrape' });

    return new Promise<ScrapeResult>((resolve) => {
      let settled = false;
      let current: ClientRequest | undefined;
      const settle = (result: ScrapeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (current !== undefined) inFlight.delete(current);
        resolve(result);
      };
      const abort = (request: ClientRequest, error: Abort) => {
        settle({ ok: false, missing: error.missing, detail: error.message });
        request.destroy(error);
      };
      // `current` is set before the timer can fire: `attempt` runs synchronously below.
      const timer = setTimeout(() => abort(current as ClientRequest, new Abort('Timeout', `no complete answer within ${Math.round(timeoutMs)} ms`)), timeoutMs);

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
          const shown = location === undefined ? '(no Location)' : JSON.stringify(location.length > 200 ? `${location.slice(0, 197)}...` : location);
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
          if (size > options.maxBodyBytes) abort(request, new Abort('TooLarge', `the body is more than the ${options.maxBodyBytes} bytes allowed`));
          else chunks.push(chunk);
        });
        response.on('end', () => settle({ ok: true, body: Buffer.concat(chunks, size).toString('utf8') }));
        response.on('close', () => {
          if (!response.complete) settle({ ok: false, missing: 'Unreachable', detail: 'the connection closed before the end of the body' });
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

const TLS_CODE = /CERT|TLS|SSL|SIGNED|VERIFY|ALTNAME/;

function failure(error: NodeJS.ErrnoException): ScrapeResult {
  if (error instanceof Abort) return { ok: false, missing: error.missing, detail: error.message };
  const code = error.code ?? '';
  if (TLS_CODE.test(code) || /\bSSL\b|certificate/i.test(error.message)) return { ok: false, missing: 'TlsError', detail: `${code}: ${error.message}` };
  // Node's HTTP parser: the peer answered, but not in HTTP.
  if (code.startsWith('HPE_')) return { ok: false, missing: 'BadResponse', detail: `${code}: ${error.message}` };
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return { ok: false, missing: 'Unreachable', detail: known[code] ?? (code === '' ? error.message : `${code}: ${error.message}`) };
}
