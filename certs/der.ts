/**
 * Just enough DER (ITU-T X.690) to write the X.509 certificates of certs/issue.ts and to
 * read back the few fields of an observed certificate that Node's X509Certificate does
 * not expose (the encoded subject and the subject key identifier).
 */

/** The universal tags written and read here. */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The tag of `[n] EXPLICIT`: constructed, context-specific. */
export const explicitTag = (n: number): number => 0xa0 | n;

export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(tag), encodeLength(content.length), content]);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: readonly Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));
export const set = (...items: readonly Uint8Array[]): Buffer => tlv(TAG.set, Buffer.concat(items));
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.of(value ? 0xff : 0x00));
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
/** A BIT STRING of whole bytes (signatures, key identifiers' containers). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.bitString, Buffer.concat([Buffer.of(0), bytes]));
/** `[n] EXPLICIT`: a constructed context-specific wrapper. */
export const explicit = (n: number, content: Uint8Array): Buffer => tlv(explicitTag(n), content);
/** `[n] IMPLICIT` of a primitive type (GeneralName's dNSName, iPAddress, keyIdentifier). */
export const implicit = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);

/** A non-negative INTEGER from its big-endian magnitude, in minimal two's-complement form. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = Buffer.from(magnitude.subarray(start));
  const bytes = trimmed.length === 0 ? Buffer.of(0) : trimmed;
  return tlv(TAG.integer, (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.of(value));

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      groups.unshift(value % 128);
      if (value < 128) break;
    }
    groups.forEach((group, index) => bytes.push(index < groups.length - 1 ? group | 0x80 : group));
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`cannot encode year ${year} in a certificate`);
  return year < 2050
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'ascii'));
}

export interface Element {
  readonly tag: number;
  /** The whole element: tag, length and content. */
  readonly encoded: Buffer;
  readonly content: Buffer;
}

/**
 * The elements stored one after another in `bytes` (the content of a SEQUENCE, or a whole
 * DER document). Throws on truncated or indefinite-length input: callers parse only what
 * Node's X509Certificate has already accepted.
 */
export function children(bytes: Buffer): Element[] {
  const elements: Element[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset] as number;
    if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
    let length = bytes[offset + 1];
    let header = 2;
    if (length === undefined) throw new Error('DER: truncated length');
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 4) throw new Error('DER: unsupported length form');
      length = 0;
      for (let i = 0; i < count; i += 1) {
        const byte = bytes[offset + 2 + i];
        if (byte === undefined) throw new Error('DER: truncated length');
        length = length * 256 + byte;
      }
      header += count;
    }
    const end = offset + header + length;
    if (end > bytes.length) throw new Error('DER: element runs past its container');
    elements.push({ tag, encoded: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end) });
    offset = end;
  }
  return elements;
}

export function decodeOid(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}
