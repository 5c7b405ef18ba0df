import { describe, expect, it } from 'vitest';
import { answerMatches, MAX_TYPED_ANSWER_LENGTH, normalizeAnswer } from '../../shared/domain/captcha/answer.js';
import { newCaptchaId, parseCaptchaId } from '../../shared/domain/captcha/captcha-id.js';

describe('answer comparison', () => {
  it('ignores case and surrounding white space', () => {
    expect(answerMatches('AB34XY', 'ab34xy')).toBe(true);
    expect(answerMatches('AB34XY', '  Ab34xY\t\n')).toBe(true);
    expect(normalizeAnswer(' xy ')).toBe('XY');
  });

  it('rejects anything else', () => {
    expect(answerMatches('AB34XY', 'AB34X')).toBe(false);
    expect(answerMatches('AB34XY', 'AB34XYZ')).toBe(false);
    expect(answerMatches('AB34XY', 'AB 34XY')).toBe(false);
    expect(answerMatches('AB34XY', '')).toBe(false);
    expect(answerMatches('AB34XY', 'A'.repeat(MAX_TYPED_ANSWER_LENGTH + 1))).toBe(false);
  });
});

describe('captcha ids', () => {
  it('are 40 lowercase hex characters and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newCaptchaId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{40}$/);
  });

  it('stay unique and evenly spread across the CSPRNG blocks they are cut from', () => {
    const ids = Array.from({ length: 5000 }, () => newCaptchaId()); // about 25 blocks
    expect(new Set(ids).size).toBe(5000);
    const counts = new Map<string, number>();
    for (const char of ids.join('')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(16);
    // 200,000 hex digits: each should appear 12,500 times; 5% off is over 11 standard deviations.
    for (const count of counts.values()) expect(Math.abs(count - 12_500)).toBeLessThan(625);
  });

  it('can start with a chosen short hex prefix and stay random after it', () => {
    const ids = Array.from({ length: 1000 }, () => newCaptchaId('3fa0'));
    for (const id of ids) expect(id).toMatch(/^3fa0[0-9a-f]{36}$/);
    expect(new Set(ids).size).toBe(1000);
    expect(() => newCaptchaId('xyz')).toThrow(RangeError);
    expect(() => newCaptchaId('0'.repeat(9))).toThrow(RangeError);
  });

  it('parses only what can be an id, normalising case and white space', () => {
    const id = newCaptchaId();
    expect(parseCaptchaId(id)).toBe(id);
    expect(parseCaptchaId(` ${id.toUpperCase()} `)).toBe(id);
    for (const bad of ['', 'xyz', id.slice(1), `${id}0`, `${id.slice(1)}g`, 42, null, undefined, [id]]) {
      expect(parseCaptchaId(bad)).toBeUndefined();
    }
  });
});
