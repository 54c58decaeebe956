import type { ServerResponse } from 'node:http';
import { createScraper, type Scraper } from '../../scaler/scrape.js';
import { startTarget, type LocalTarget } from './local-targets.js';

/** The body as the replica sent it, however it was cut into chunks on the way. */
const PAGE = '# HELP m Wartende Anfragen – je Modell\n# TYPE m gauge\nm{model="phi-4-mini",note="→ ✓"} 3\n';
const bytes = Buffer.from(PAGE);
const middleOfArrow = bytes.indexOf(Buffer.from('→')) + 1;

describe('createScraper: the body, whole or in pieces', () => {
  let target: LocalTarget;
  let scraper: Scraper;
  let send: (response: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    target = await startTarget((_request, response) => send(response));
  });
  afterAll(() => target.close());
  beforeEach(() => {
    scraper = createScraper({ maxBodyBytes: 64 * 1024, idleSocketMs: 4000 });
  });
  afterEach(() => scraper.close());

  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  const cases: Array<[string, (response: ServerResponse) => Promise<void>]> = [
    ['in one piece', async (response) => void response.end(bytes)],
    [
      'cut inside a UTF-8 character',
      async (response) => {
        response.write(bytes.subarray(0, middleOfArrow));
        await pause();
        response.end(bytes.subarray(middleOfArrow));
      },
    ],
    [
      'in many small pieces',
      async (response) => {
        for (let start = 0; start < bytes.length; start += 7) {
          response.write(bytes.subarray(start, start + 7));
          await pause();
        }
        response.end();
      },
    ],
  ];
  it.each(cases)('%s', async (_name, write) => {
    send = (response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      void write(response);
    };
    expect(await scraper.fetch(`${target.origin}/metrics`, 5000)).toEqual({ ok: true, value: PAGE });
  });
});
