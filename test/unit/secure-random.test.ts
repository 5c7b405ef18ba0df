import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from '../../shared/domain/secure-random.js';

describe('secureRandomBytes', () => {
  it('hands out each byte of its blocks once, across block boundaries, and slices never change afterwards', () => {
    const drawn = Array.from({ length: 1000 }, () => secureRandomBytes(20)); // 20 KB: five blocks
    const copies = drawn.map((bytes) => Buffer.from(bytes));
    secureRandomBytes(4096);
    expect(drawn.every((bytes, i) => bytes.equals(copies[i] ?? Buffer.alloc(0)))).toBe(true);
    expect(new Set(drawn.map((bytes) => bytes.toString('hex'))).size).toBe(1000);
    expect(drawn.every((bytes) => bytes.length === 20)).toBe(true);
  });

  it('serves large requests directly', () => {
    expect(secureRandomBytes(10_000)).toHaveLength(10_000);
  });

  it('draws from the CSPRNG: every byte value shows up over 64 KB of 16-byte ids', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 4096; i++) for (const byte of secureRandomBytes(16)) seen.add(byte);
    expect(seen.size).toBe(256);
  });
});
