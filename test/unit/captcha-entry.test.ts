import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeBinding, encodeEntry } from '../../shared/captcha/captcha-entry.js';

describe('captcha entry codec', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 250]);

  it('round-trips answer, binding and image', () => {
    const entry = { answer: 'AB34XY', binding: '{"site":"s","origin":"https://ä.example"}', png };
    const decoded = decodeEntry(encodeEntry(entry));
    expect(decoded?.answer).toBe(entry.answer);
    expect(decoded?.binding).toBe(entry.binding);
    expect(decoded?.png.equals(png)).toBe(true);
  });

  it('binds a pooled entry by appending the binding, as the issuing script does', () => {
    const pooled = encodeEntry({ answer: 'AB34XY', binding: '', png });
    const binding = '["sitekey","https://a.example"]';
    const bound = Buffer.concat([pooled, encodeBinding(binding)]);
    expect(bound.equals(encodeEntry({ answer: 'AB34XY', binding, png }))).toBe(true);
    expect(decodeEntry(bound)).toEqual({ answer: 'AB34XY', binding, png });
  });

  it('returns undefined for anything malformed instead of throwing', () => {
    const encoded = encodeEntry({ answer: 'AB34XY', binding: 'x', png });
    expect(decodeEntry(Buffer.alloc(0))).toBeUndefined();
    expect(decodeEntry(Buffer.from([9, 0, 0, 0]))).toBeUndefined();
    expect(decodeEntry(encoded.subarray(0, 5))).toBeUndefined();
    expect(decodeEntry(Buffer.from([2, 200, 0, 0, 0, 0]))).toBeUndefined();
    const version1 = Buffer.from(encoded);
    version1[0] = 1;
    expect(decodeEntry(version1)).toBeUndefined();
    const pngTooLong = Buffer.from(encoded);
    pngTooLong.writeUInt32BE(png.length + 10, 8);
    expect(decodeEntry(pngTooLong)).toBeUndefined();
  });
});
