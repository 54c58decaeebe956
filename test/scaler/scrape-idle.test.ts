import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScraper, type Scraper } from '../../scaler/scrape.js';

/**
 * Idle keep-alive connections: closed by the scraper once idle for `idleSocketMs` (or the
 * shorter time a server's Keep-Alive header allows), never while a request uses them.
 */
const BODY = '# TYPE m gauge\nm 1\n';

describe('createScraper: idle keep-alive connections', () => {
  let server: Server;
  let origin: string;
  // Counted per test: connections of an earlier test may close late.
  let counts = { opened: 0, closed: 0 };
  let answer: (request: IncomingMessage, response: ServerResponse) => void;
  let scraper: Scraper | undefined;

  beforeAll(async () => {
    // The server never closes an idle connection itself: whatever closes one is the scraper.
    server = createServer({ keepAliveTimeout: 0 }, (request, response) => answer(request, response));
    server.on('connection', (socket) => {
      const mine = counts;
      mine.opened += 1;
      socket.once('close', () => (mine.closed += 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    counts = { opened: 0, closed: 0 };
    answer = (_request, response) => response.end(BODY);
  });
  afterEach(() => scraper?.close());

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const until = async (condition: () => boolean, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!condition() && Date.now() < end) await sleep(10);
    return condition();
  };

  it('closes a connection left idle for idleSocketMs', async () => {
    scraper = createScraper({ maxBodyBytes: 1024, idleSocketMs: 200 });
    expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: BODY });
    expect(counts.closed).toBe(0);
    expect(await until(() => counts.closed === 1, 5000)).toBe(true);
  });

  it('keeps a connection that is used again in time, however long it lives', async () => {
    scraper = createScraper({ maxBodyBytes: 1024, idleSocketMs: 300 });
    for (let index = 0; index < 6; index += 1) {
      expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: BODY });
      await sleep(100);
    }
    expect(counts).toEqual({ opened: 1, closed: 0 });
  });

  it('never closes a connection under a request: the idle time starts again when it is free', async () => {
    // Each answer takes most of the idle time; a timer left from the first request would
    // fire during the second.
    answer = (_request, response) => setTimeout(() => response.end(BODY), 250);
    scraper = createScraper({ maxBodyBytes: 1024, idleSocketMs: 300 });
    expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: BODY });
    await sleep(150);
    expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: BODY });
    expect(counts).toEqual({ opened: 1, closed: 0 });
  });

  it('closes sooner when the server announces a shorter Keep-Alive timeout', async () => {
    // Node's agent keeps a connection one second less than the server says it will.
    answer = (_request, response) => response.writeHead(200, { 'keep-alive': 'timeout=2' }).end(BODY);
    scraper = createScraper({ maxBodyBytes: 1024, idleSocketMs: 60_000 });
    expect(await scraper.fetch(`${origin}/metrics`, 2000)).toEqual({ ok: true, value: BODY });
    expect(await until(() => counts.closed === 1, 4000)).toBe(true);
  });
});
