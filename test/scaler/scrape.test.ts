import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { filterNames } from '../../scaler/extract.js';
import { createScraper, filteredUrl, type Scraper } from '../../scaler/scrape.js';
import { hang, httpsTargetCertificate, page, startTarget, waiting, type LocalTarget } from './local-targets.js';
import { eventually } from './helpers.js';

const MiB = 1024 * 1024;

describe('filteredUrl', () => {
  const names = ['vllm:num_requests_waiting', 'vllm:num_requests_waiting_sum'];
  const query = 'name%5B%5D=vllm%3Anum_requests_waiting&name%5B%5D=vllm%3Anum_requests_waiting_sum';
  const cases: Array<[string, string, string]> = [
    ['a plain path', 'http://ws.ns.svc.cluster.local:80/metrics', `http://ws.ns.svc.cluster.local:80/metrics?${query}`],
    ['a path with a query', 'http://h:80/metrics?a=b', `http://h:80/metrics?a=b&${query}`],
    ['the query kept byte for byte', 'http://h:80/m?x=%20y+z&k', `http://h:80/m?x=%20y+z&k&${query}`],
    ['an empty query', 'http://h:80/metrics?', `http://h:80/metrics?${query}`],
    ['a query ending in &', 'http://h:80/metrics?a=b&', `http://h:80/metrics?a=b&${query}`],
    ['a fragment is dropped', 'http://h:80/metrics#top', `http://h:80/metrics?${query}`],
  ];
  it.each(cases)('%s', (_name, url, expected) => {
    expect(filteredUrl(url, names)).toBe(expected);
  });

  it('leaves the URL alone without names', () => {
    expect(filteredUrl('http://h:80/metrics?a=b', [])).toBe('http://h:80/metrics?a=b');
  });

  it('decodes back to the names (as a server parses its query)', () => {
    const url = new URL(filteredUrl('http://h:80/metrics?keep=1', filterNames('vllm:num_requests_waiting')));
    expect(url.searchParams.getAll('name[]')).toEqual(filterNames('vllm:num_requests_waiting'));
    expect(url.searchParams.get('keep')).toBe('1');
  });
});

describe('createScraper', () => {
  const targets: LocalTarget[] = [];
  let scraper: Scraper;
  const start = async (...args: Parameters<typeof startTarget>) => {
    const target = await startTarget(...args);
    targets.push(target);
    return target;
  };

  beforeEach(() => {
    scraper = createScraper({ maxBodyBytes: 64 * 1024, idleSocketMs: 4000 });
  });
  afterEach(async () => {
    scraper.close();
    await Promise.all(targets.splice(0).map((target) => target.close()));
  });

  it('reads the body, asking for the text format without compression', async () => {
    const target = await start(page(waiting(3, 4)));
    expect(await scraper.fetch(`${target.origin}/metrics?name%5B%5D=x`, 2000)).toEqual({ ok: true, value: waiting(3, 4) });
    expect(target.requests).toEqual(['/metrics?name%5B%5D=x']);
    expect(target.headers[0]).toMatchObject({ 'accept-encoding': 'identity', accept: expect.stringContaining('text/plain;version=0.0.4') });
  });

  it('reuses a keep-alive connection', async () => {
    const target = await start(page(waiting(1)));
    for (let index = 0; index < 3; index += 1) expect((await scraper.fetch(`${target.origin}/metrics`, 2000)).ok).toBe(true);
    expect(target.connections.opened).toBe(1);
  });

  it('reads a body of exactly the cap', async () => {
    const body = 'x'.repeat(64 * 1024);
    const target = await start(page(body));
    expect(await scraper.fetch(`${target.origin}/`, 2000)).toEqual({ ok: true, value: body });
  });

  const failures: Array<[string, Parameters<typeof startTarget>[0], string, RegExp]> = [
    ['500', (_q, r) => r.writeHead(500).end('oops'), 'HttpStatus', /HTTP 500/],
    ['404', (_q, r) => r.writeHead(404).end(), 'HttpStatus', /HTTP 404/],
    ['204 is fine but empty', (_q, r) => r.writeHead(204).end(), '', /./],
    [
      'a redirect',
      (_q, r) => r.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end(),
      'Redirect',
      /HTTP 302 to "http:\/\/127.0.0.1:1\/elsewhere"; redirects are not followed/,
    ],
    ['a redirect without Location', (_q, r) => r.writeHead(307).end(), 'Redirect', /HTTP 307 to \(no Location\)/],
    [
      'a redirect to a very long Location',
      (_q, r) => r.writeHead(302, { location: `/${'x'.repeat(5000)}` }).end(),
      'Redirect',
      /^HTTP 302 to "\/x{196}\.\.\."; redirects/,
    ],
    [
      'gzip that was not asked for',
      (_q, r) => r.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(waiting(1))),
      'ContentEncoding',
      /encoded as "gzip"; only identity is read/,
    ],
    ['br', (_q, r) => r.writeHead(200, { 'content-encoding': 'br' }).end('...'), 'ContentEncoding', /"br"/],
    [
      'a declared length over the cap',
      (_q, r) => r.writeHead(200, { 'content-length': String(MiB) }).end('x'.repeat(MiB)),
      'TooLarge',
      /1048576 bytes, more than the 65536 allowed/,
    ],
    [
      'a chunked body over the cap',
      (_q, r) => {
        r.writeHead(200);
        r.write('x'.repeat(40 * 1024));
        r.end('y'.repeat(40 * 1024));
      },
      'TooLarge',
      /more than the 65536 bytes allowed/,
    ],
    [
      'the connection cut mid-body',
      (_q, r) => {
        r.writeHead(200, { 'content-length': '1000' });
        r.write('partial');
        setTimeout(() => r.socket?.destroy(), 20);
      },
      'Unreachable',
      /./,
    ],
  ];
  it.each(failures)('%s', async (_name, handler, reason, detail) => {
    const target = await start(handler);
    const result = await scraper.fetch(`${target.origin}/metrics`, 2000);
    if (reason === '') expect(result).toEqual({ ok: true, value: '' });
    else expect(result).toEqual({ ok: false, problem: { reason: reason, message: expect.stringMatching(detail) } });
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await start(page(waiting(1)));
    const target = await start((_q, r) => r.writeHead(301, { location: `${elsewhere.origin}/metrics` }).end());
    expect(await scraper.fetch(`${target.origin}/metrics`, 2000)).toMatchObject({ ok: false, problem: { reason: 'Redirect' } });
    expect(elsewhere.requests).toEqual([]);
  });

  it('cuts off an endless chunked body at the cap and closes the connection', async () => {
    let written = 0;
    const target = await start((_q, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(8 * 1024, 'a');
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) written += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    expect(await scraper.fetch(`${target.origin}/metrics`, 5000)).toMatchObject({ ok: false, problem: { reason: 'TooLarge' } });
    await eventually('every connection closed', () => target.connections.open === 0);
    expect(written).toBeLessThan(64 * MiB);
  });

  it('gives up on a target that never answers, and closes the connection', async () => {
    const target = await start(hang);
    const started = Date.now();
    expect(await scraper.fetch(`${target.origin}/metrics`, 200)).toEqual({
      ok: false,
      problem: { reason: 'Timeout', message: 'no complete answer within 200 ms' },
    });
    expect(Date.now() - started).toBeLessThan(200 + 1000);
    await eventually('every connection closed', () => target.connections.open === 0);
  });

  it('times out a body that trickles in', async () => {
    const target = await start((_q, response) => {
      response.writeHead(200, { 'content-length': '100' });
      const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write('x')), 50);
      response.on('close', () => clearInterval(timer));
    });
    expect(await scraper.fetch(`${target.origin}/metrics`, 300)).toMatchObject({ ok: false, problem: { reason: 'Timeout' } });
  });

  it('reports a closed port as unreachable', async () => {
    const target = await start(hang);
    const origin = target.origin;
    await target.close();
    expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({
      ok: false,
      problem: { reason: 'Unreachable', message: 'connection refused' },
    });
  });

  it('reports an unknown host as unreachable', async () => {
    expect(await scraper.fetch('http://no-such-host.invalid/metrics', 3000)).toMatchObject({
      ok: false,
      problem: { reason: expect.stringMatching(/Unreachable|Timeout/) },
    });
  });

  const invalid: Array<[string, RegExp]> = [
    ['not a url', /is not a URL/],
    ['ftp://127.0.0.1/metrics', /ftp: is neither http: nor https:/],
    ['http://', /is not a URL/],
  ];
  it.each(invalid)('refuses %j', async (url, detail) => {
    expect(await scraper.fetch(url, 1000)).toEqual({
      ok: false,
      problem: { reason: 'InvalidUrl', message: expect.stringMatching(detail) },
    });
  });

  it.each([0, -5, NaN])('does not start without time left (%p ms)', async (timeout) => {
    const target = await start(page(waiting(1)));
    expect(await scraper.fetch(`${target.origin}/metrics`, timeout)).toMatchObject({ ok: false, problem: { reason: 'Timeout' } });
    expect(target.requests).toEqual([]);
  });

  it('aborts what is in flight when closed, and refuses to start afterwards', async () => {
    const target = await start(hang);
    const pending = scraper.fetch(`${target.origin}/metrics`, 5000);
    await eventually('one request arrived', () => target.requests.length === 1);
    scraper.close();
    expect(await pending).toEqual({ ok: false, problem: { reason: 'Cancelled', message: 'the scraper was closed' } });
    expect(await scraper.fetch(`${target.origin}/metrics`, 5000)).toMatchObject({ ok: false, problem: { reason: 'Cancelled' } });
    await eventually('every connection closed', () => target.connections.open === 0);
  });

  it('closes idle keep-alive connections when closed', async () => {
    const target = await start(page(waiting(1)));
    await scraper.fetch(`${target.origin}/metrics`, 2000);
    expect(target.connections.open).toBe(1);
    scraper.close();
    await eventually('every connection closed', () => target.connections.open === 0);
  });

  it('keeps waiting on a slow answer longer than the idle-socket timeout', async () => {
    const target = await start(page(waiting(6), 300));
    const impatient = createScraper({ maxBodyBytes: MiB, idleSocketMs: 50 });
    try {
      expect(await impatient.fetch(`${target.origin}/metrics`, 2000)).toEqual({ ok: true, value: waiting(6) });
    } finally {
      impatient.close();
    }
  });

  describe('a peer that does not speak HTTP', () => {
    let server: NetServer;
    beforeEach(async () => {
      server = createNetServer((socket: Socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is a bad response', async () => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({
        ok: false,
        problem: { reason: 'BadResponse', message: expect.stringMatching(/^HPE_/) },
      });
    });
  });

  describe('a keep-alive connection the server dropped', () => {
    let server: NetServer;
    let connections = 0;
    const sockets = new Set<Socket>();
    beforeEach(async () => {
      connections = 0;
      // Answers the first request of each connection with keep-alive, then resets the
      // connection when a second request arrives on it, as a server does when its idle
      // timeout and our reuse cross.
      server = createNetServer((socket: Socket) => {
        connections += 1;
        sockets.add(socket);
        let requests = 0;
        socket.on('data', (data) => {
          if (!data.toString().includes('\r\n\r\n')) return;
          requests += 1;
          if (requests > 1) return socket.resetAndDestroy();
          const body = waiting(connections);
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterEach(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('is retried once on a fresh connection', async () => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: waiting(1) });
      expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: waiting(2) });
      expect(connections).toBe(2);
    });
  });

  describe('https', () => {
    const certificate = httpsTargetCertificate();

    it('verifies the server against the system CAs by default', async () => {
      const target = await start(page(waiting(1)), certificate);
      expect(await scraper.fetch(`${target.origin}/metrics`, 2000)).toMatchObject({ ok: false, problem: { reason: 'TlsError' } });
    });

    it('trusts the CA bundle it is given', async () => {
      const target = await start(page(waiting(5)), certificate);
      const trusting = createScraper({ maxBodyBytes: MiB, idleSocketMs: 4000, https: { ca: certificate.cert } });
      try {
        expect(await trusting.fetch(`${target.origin}/metrics`, 2000)).toEqual({ ok: true, value: waiting(5) });
      } finally {
        trusting.close();
      }
    });

    it('reports a plain-HTTP server behind an https URL', async () => {
      const target = await start(page(waiting(1)));
      const result = await scraper.fetch(target.origin.replace('http:', 'https:'), 2000);
      expect(result).toMatchObject({ ok: false, problem: { reason: expect.stringMatching(/TlsError|Unreachable/) } });
    });
  });
});
