import { describe, expect, it } from 'vitest';
import { checkBinding, decodeEntry, encodeBinding, encodeEntry, MAX_BINDING_BYTES } from '../../shared/domain/captcha/captcha-entry.js';
import { DIFFICULTIES } from '../../shared/domain/captcha/difficulty.js';

describe('captcha entry codec', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 250]);

  it('round-trips answer, difficulty, binding and image', () => {
    for (const difficulty of DIFFICULTIES) {
      const entry = { answer: 'AB34XY', difficulty, binding: '{"site":"s","origin":"https://ä.example"}', png };
      const decoded = decodeEntry(encodeEntry(entry));
      expect(decoded?.answer).toBe(entry.answer);
      expect(decoded?.difficulty).toBe(difficulty);
      expect(decoded?.binding).toBe(entry.binding);
      expect(decoded?.png.equals(png)).toBe(true);
    }
  });

  it('binds a pooled entry by appending the binding, as the issuing script does', () => {
    const pooled = encodeEntry({ answer: 'AB34XY', difficulty: 'easy', binding: '', png });
    const binding = '["sitekey","https://a.example"]';
    const bound = Buffer.concat([pooled, encodeBinding(binding)]);
    expect(bound.equals(encodeEntry({ answer: 'AB34XY', difficulty: 'easy', binding, png }))).toBe(true);
    expect(decodeEntry(bound)).toEqual({ answer: 'AB34XY', difficulty: 'easy', binding, png });
  });

  it('refuses a binding past its bound in UTF-8 bytes, whether it is appended as bytes or as text', () => {
    const fits = 'ä'.repeat(MAX_BINDING_BYTES / 2);
    expect(checkBinding(fits)).toBe(fits);
    expect(encodeBinding(fits)).toHaveLength(MAX_BINDING_BYTES);
    // One character more is within the bound in characters, past it in bytes.
    expect(() => checkBinding(`${fits}a`)).toThrow(RangeError);
    expect(() => encodeBinding(`${fits}a`)).toThrow(RangeError);
  });

  it('returns undefined for anything malformed instead of throwing', () => {
    const encoded = encodeEntry({ answer: 'AB34XY', difficulty: 'normal', binding: 'x', png });
    expect(decodeEntry(Buffer.alloc(0))).toBeUndefined();
    expect(decodeEntry(Buffer.from([9, 0, 0, 0]))).toBeUndefined();
    expect(decodeEntry(encoded.subarray(0, 6))).toBeUndefined();
    expect(decodeEntry(Buffer.from([3, 1, 200, 0, 0, 0, 0]))).toBeUndefined();
    const olderVersion = Buffer.from(encoded);
    olderVersion[0] = 2;
    expect(decodeEntry(olderVersion)).toBeUndefined();
    const unknownDifficulty = Buffer.from(encoded);
    unknownDifficulty[1] = 7;
    expect(decodeEntry(unknownDifficulty)).toBeUndefined();
    const pngTooLong = Buffer.from(encoded);
    pngTooLong.writeUInt32BE(png.length + 10, 9);
    expect(decodeEntry(pngTooLong)).toBeUndefined();
  });
});
