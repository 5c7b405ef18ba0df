import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../../shared/captcha/captcha-entry.js';

describe('captcha entry codec', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 250]);

  it('round-trips answer, binding and image', () => {
    const entry = { answer: 'AB34XY', binding: '{"site":"s","origin":"https://ä.example"}', png };
    const decoded = decodeEntry(encodeEntry(entry));
    expect(decoded?.answer).toBe(entry.answer);
    expect(decoded?.binding).toBe(entry.binding);
    expect(decoded?.png.equals(png)).toBe(true);
  });

  it('returns undefined for anything malformed instead of throwing', () => {
    const encoded = encodeEntry({ answer: 'AB34XY', binding: 'x', png });
    expect(decodeEntry(Buffer.alloc(0))).toBeUndefined();
    expect(decodeEntry(Buffer.from([9, 0, 0, 0]))).toBeUndefined();
    expect(decodeEntry(encoded.subarray(0, 5))).toBeUndefined();
    expect(decodeEntry(Buffer.from([1, 200, 0, 0]))).toBeUndefined();
  });
});
