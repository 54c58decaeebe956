/**
 * One name per replica endpoint, so that a targets file cannot list the same replica twice
 * under different spellings (and have it counted twice). The rule, without DNS:
 *  - the host as the scraper dials it: the URL parser's form, so IPv4 written in octal,
 *    hex, short or integer form (`127.0.0.01`, `0x7f.1`, `127.1`) is the dotted address, IPv6
 *    is compressed and lower case, and a name is lower case without a trailing dot;
 *  - an IPv4-mapped IPv6 address (`[::ffff:127.0.0.1]`) is its IPv4 address;
 *  - the loopback names `localhost`, `127.0.0.1` and `[::1]` are one host;
 *  - the port as a number, 80 when the URL's default.
 * Two different names that DNS resolves to one address are not detected.
 */
export function replicaKey(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(`http://${address}`);
  } catch {
    return undefined;
  }
  const host = canonicalHost(url.hostname.replace(/\.$/, ''));
  return `${host}:${url.port === '' ? '80' : url.port}`;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAPPED_IPV4 = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/;

function canonicalHost(host: string): string {
  const mapped = MAPPED_IPV4.exec(host);
  const plain = mapped ? mappedToIpv4(mapped[1] as string, mapped[2] as string) : host;
  return LOOPBACK.has(plain) ? 'localhost' : plain;
}

function mappedToIpv4(high: string, low: string): string {
  const [a, b] = [parseInt(high, 16), parseInt(low, 16)];
  return [a >> 8, a & 0xff, b >> 8, b & 0xff].join('.');
}
