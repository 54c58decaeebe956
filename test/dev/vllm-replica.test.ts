import { readFileSync } from 'node:fs';
import { startReplica, type Replica } from '../../dev/vllm-replica.js';

interface Shape {
  type: string;
  labelKeys: Set<string>;
  les: Set<string>;
}

/** Family -> type, label names and bucket bounds, read from a page. */
function shapes(page: string, prefix: string): Map<string, Shape> {
  const out = new Map<string, Shape>();
  let current: Shape | undefined;
  for (const line of page.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      current =
        type[1]!.startsWith(prefix) && !type[1]!.endsWith('_created')
          ? { type: type[2]!, labelKeys: new Set(), les: new Set() }
          : undefined;
      if (current) out.set(type[1]!, current);
      continue;
    }
    if (!current || line.startsWith('#') || line === '') continue;
    for (const [, key, value] of line.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) {
      if (key === 'le') current.les.add(value!);
      else current.labelKeys.add(key!);
    }
  }
  return out;
}

describe('simulated vLLM replica', () => {
  let replica: Replica;
  beforeAll(async () => {
    replica = await startReplica({ seed: 7 });
  });
  afterAll(() => replica.close());

  const get = async (query = '') => {
    const response = await fetch(replica.url + query);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  it('serves the families, labels and buckets of a real vLLM V1 page', async () => {
    const fixture = readFileSync(new URL('../fixtures/vllm-metrics/vllm-v1-after-traffic.txt', import.meta.url), 'utf8');
    const { status, type, text } = await get();
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const ours = shapes(text, 'vllm:');
    const real = shapes(fixture, 'vllm:');
    expect([...ours.keys()]).toEqual([...real.keys()]);
    for (const [name, shape] of real) {
      const mine = ours.get(name)!;
      expect({ name, type: mine.type, les: [...mine.les] }).toEqual({ name, type: shape.type, les: [...shape.les] });
      for (const key of mine.labelKeys) expect(shape.labelKeys).toContain(key);
    }
  });

  it('follows the load it is given', async () => {
    replica.advance(30, { waiting: 12, running: 9 });
    const { text } = await get('?name[]=vllm:num_requests_waiting&name[]=vllm:num_requests_running');
    expect(text).toContain('vllm:num_requests_waiting{engine="0",model_name="phi-4-mini"} 12.0\n');
    expect(text).toContain('vllm:num_requests_running{engine="0",model_name="phi-4-mini"} 9.0\n');
    expect(text.split('\n').filter((line) => line && !line.startsWith('#'))).toHaveLength(2);
  });

  it('accumulates finished requests in counters and histograms', async () => {
    const before = await get('?name[]=vllm:e2e_request_latency_seconds_count');
    replica.advance(60, { waiting: 0, running: 16 });
    const after = await get('?name[]=vllm:e2e_request_latency_seconds_count');
    const count = (text: string) => Number(/_count\{[^}]*\} (\S+)/.exec(text)?.[1]);
    expect(count(after.text)).toBeGreaterThan(count(before.text));
  });

  it('answers a filter that matches nothing with an empty page', async () => {
    expect(await get('?name[]=vllm:e2e_request_latency_seconds')).toMatchObject({ status: 200, text: '' });
  });

  it('answers other paths with 404', async () => {
    expect((await fetch(replica.url.replace('/metrics', '/'))).status).toBe(404);
  });

  it('resets connections while unreachable, and recovers', async () => {
    replica.setReachable(false);
    await expect(fetch(replica.url)).rejects.toThrow();
    replica.setReachable(true);
    expect((await get()).status).toBe(200);
  });
});
