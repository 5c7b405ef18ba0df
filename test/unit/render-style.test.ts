import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../../shared/domain/captcha/alphabet.js';
import { DIFFICULTY_PROFILES } from '../../shared/domain/render/captcha-svg.js';
import { FONT_NAMES, glyphOutline } from '../../shared/domain/render/glyphs.js';
import { DEFAULT_STYLE, DISTORTION_FAMILIES, renderStyleFor } from '../../shared/domain/render/render-style.js';
import { renderCaptcha } from '../../shared/domain/render/renderer.js';

const seed = (byte: number): Buffer => Buffer.alloc(16, byte);

describe('render styles', () => {
  it('has every answer character in every font', () => {
    for (const font of FONT_NAMES) {
      for (const char of ALPHABET) expect(glyphOutline(char, font).commands.length, `${font} ${char}`).toBeGreaterThan(0);
    }
  });

  it('gives the public default style for an empty secret', () => {
    expect(renderStyleFor('')).toBe(DEFAULT_STYLE);
  });

  it('derives the same style from the same secret, and varied ones from different secrets', () => {
    expect(renderStyleFor('deployment secret')).toEqual(renderStyleFor('deployment secret'));
    const styles = Array.from({ length: 64 }, (_, i) => renderStyleFor(`secret-${i}`));
    expect(new Set(styles.map((style) => style.family))).toEqual(new Set(DISTORTION_FAMILIES));
    expect(new Set(styles.flatMap((style) => style.fonts))).toEqual(new Set(FONT_NAMES));
    expect(new Set(styles.map((style) => JSON.stringify(style))).size).toBeGreaterThan(40);
    for (const style of styles) {
      expect(style.fonts.length).toBeGreaterThanOrEqual(2);
      expect(new Set(style.fonts).size).toBe(style.fonts.length);
      expect(Math.abs(style.slantDegrees)).toBeLessThanOrEqual(10);
    }
  });

  it('keeps the families used by the legibility test where that test expects them', () => {
    // test/unit/legibility-measures.test.ts checks one secret per family.
    expect(['b', 'i', 'a', 'c'].map((secret) => renderStyleFor(secret).family)).toEqual(['wave', 'arc', 'steps', 'bulge']);
  });

  it('renders deterministically in a style, and differently from the default', async () => {
    const style = renderStyleFor('i');
    const first = await renderCaptcha('AC3FH7', seed(1), DIFFICULTY_PROFILES.normal, style);
    const second = await renderCaptcha('AC3FH7', seed(1), DIFFICULTY_PROFILES.normal, style);
    expect(second.png.equals(first.png)).toBe(true);
    expect((await renderCaptcha('AC3FH7', seed(1))).svg).not.toBe(first.svg);
  });

  it('keeps every style and level small enough to pool cheaply', async () => {
    for (const secret of ['', 'a', 'b', 'c', 'i']) {
      for (const level of ['easy', 'normal', 'hard'] as const) {
        const { png } = await renderCaptcha('WMWM4W', seed(9), DIFFICULTY_PROFILES[level], renderStyleFor(secret));
        expect(png.length, `${secret} ${level}`).toBeLessThan(2000);
      }
    }
  });
});
