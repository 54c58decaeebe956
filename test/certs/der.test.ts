import * as der from '../../certs/der.js';

const hex = (bytes: Buffer) => bytes.toString('hex');

describe('DER encoding', () => {
  it.each([
    ['zero', '00', '020100'],
    ['small', '05', '020105'],
    ['high bit set gets a leading zero', '80', '02020080'],
    ['leading zeros are dropped', '000001', '020101'],
    ['leading zeros before a high bit keep one', '0000ff', '020200ff'],
    ['empty magnitude is zero', '', '020100'],
  ])('unsigned INTEGER: %s', (_name, magnitude, encoded) => {
    expect(hex(der.unsignedInteger(Buffer.from(magnitude, 'hex')))).toBe(encoded);
  });

  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [70000, '83011170'],
  ])('length %i is encoded as %s', (length, encoded) => {
    const element = der.tlv(0x04, Buffer.alloc(length));
    expect(hex(element.subarray(1, 1 + encoded.length / 2))).toBe(encoded);
  });

  it.each([
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['2.5.29.17', '0603551d11'],
    ['1.3.6.1.5.5.7.3.1', '06082b06010505070301'],
  ])('OID %s', (dotted, encoded) => {
    expect(hex(der.oid(dotted))).toBe(encoded);
    expect(der.decodeOid(der.oid(dotted).subarray(2))).toBe(dotted);
  });

  it.each([
    ['2049-12-31T23:59:59.999Z', 0x17, '491231235959Z'],
    ['2050-01-01T00:00:00.000Z', 0x18, '20500101000000Z'],
    ['1999-06-01T08:09:10.000Z', 0x17, '990601080910Z'],
  ])('time %s: UTCTime through 2049, GeneralizedTime after', (iso, tag, text) => {
    const [element] = der.children(der.time(new Date(iso)));
    expect(element?.tag).toBe(tag);
    expect(element?.content.toString('ascii')).toBe(text);
  });

  it('refuses years it cannot encode', () => {
    expect(() => der.time(new Date('1949-12-31T00:00:00Z'))).toThrow(RangeError);
  });

  it('named wrappers use their tags', () => {
    expect(hex(der.sequence(der.boolean(true), der.boolean(false)))).toBe('30060101ff010100');
    expect(hex(der.set(der.utf8String('a')))).toBe('31030c0161');
    expect(hex(der.explicit(3, der.octetString(Buffer.of(1))))).toBe('a303040101');
    expect(hex(der.implicit(2, Buffer.from('ab', 'ascii')))).toBe('82026162');
    expect(hex(der.bitString(Buffer.of(0xaa)))).toBe('030200aa');
  });
});

describe('DER reading', () => {
  it('splits a document into elements and reads nested content', () => {
    const document = Buffer.concat([der.sequence(der.smallInteger(1), der.octetString(Buffer.alloc(200))), der.boolean(true)]);
    const [outer, flag] = der.children(document);
    expect(outer?.tag).toBe(0x30);
    expect(flag?.encoded).toEqual(der.boolean(true));
    const inner = der.children(outer?.content ?? Buffer.alloc(0));
    expect(inner.map((element) => element.tag)).toEqual([0x02, 0x04]);
    expect(inner[1]?.content.length).toBe(200);
  });

  it.each([
    ['truncated content', '300501'],
    ['truncated length', '30'],
    ['truncated long length', '3082'],
    ['indefinite length', '3080'],
    ['multi-byte tag', '1f0100'],
  ])('throws on %s', (_name, bytes) => {
    expect(() => der.children(Buffer.from(bytes, 'hex'))).toThrow(/DER/);
  });
});
