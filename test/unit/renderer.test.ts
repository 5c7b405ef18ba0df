import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captchaSvg, IMAGE_HEIGHT, IMAGE_WIDTH, UNDISTORTED_PROFILE } from '../../shared/domain/render/captcha-svg.js';
import { seededRandom } from '../../shared/domain/render/random.js';
import { renderCaptcha } from '../../shared/domain/render/renderer.js';
import { decodeGrayPng, inkShare } from '../support/png.js';

const seed = (byte: number): Buffer => Buffer.alloc(16, byte);
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('renderer', () => {
  it('is deterministic for a given answer and seed', async () => {
    const first = await renderCaptcha('AC3FH7', seed(1));
    const second = await renderCaptcha('AC3FH7', seed(1));
    expect(second.svg).toBe(first.svg);
    expect(sha256(second.png)).toBe(sha256(first.png));
  });

  it('changes with the seed and with the answer', async () => {
    const base = await renderCaptcha('AC3FH7', seed(1));
    expect((await renderCaptcha('AC3FH7', seed(2))).svg).not.toBe(base.svg);
    expect((await renderCaptcha('AC3FH9', seed(1))).svg).not.toBe(base.svg);
  });

  it('writes a valid grayscale PNG of 240x80 with ink on it', async () => {
    const { png } = await renderCaptcha('KMNPRT', seed(3));
    const image = decodeGrayPng(png);
    expect([image.width, image.height]).toEqual([IMAGE_WIDTH, IMAGE_HEIGHT]);
    expect(image.colorType).toBe(0);
    const ink = inkShare(image);
    expect(ink).toBeGreaterThan(0.08);
    expect(ink).toBeLessThan(0.6);
  });

  it('keeps a captcha small enough to pool cheaply', async () => {
    const sizes = await Promise.all([1, 2, 3, 4, 5].map(async (n) => (await renderCaptcha('WXY469', seed(n))).png.length));
    for (const size of sizes) expect(size).toBeLessThan(2500);
  });

  it('draws glyphs as paths, with no text element and so no dependence on installed fonts', () => {
    const svg = captchaSvg('AC3FH7', seededRandom(seed(4)));
    expect(svg).not.toMatch(/<text|font-family/);
    expect(svg).toMatch(/<path fill="#1b1b1b" d="M/);
  });

  it('does not write the answer into the SVG', () => {
    const svg = captchaSvg('AC3FH7', seededRandom(seed(5)));
    expect(svg).not.toContain('AC3FH7');
  });

  it('draws strokes across the text by default and none when distortion is off', () => {
    const distorted = captchaSvg('AC3FH7', seededRandom(seed(6)));
    const plain = captchaSvg('AC3FH7', seededRandom(seed(6)), UNDISTORTED_PROFILE);
    expect((distorted.match(/stroke-width/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(plain).not.toContain('stroke-width');
  });

  it('draws glyphs black and distractors in light gray, so the eye tells them apart', async () => {
    const svg = captchaSvg('AC3FH7', seededRandom(seed(6)));
    expect(svg).toMatch(/<g fill="none" stroke="#aaaaaa"/);
    const levels = decodeGrayPng((await renderCaptcha('AC3FH7', seed(6))).png).levels;
    const count = (level: number): number => levels.filter((value) => value === level).length;
    expect(count(0)).toBeGreaterThan(1000); // glyph ink
    expect(count(2)).toBeGreaterThan(count(1)); // light-gray distractors outnumber anti-aliasing grays
  });

  it('puts ink under every glyph position', async () => {
    const image = decodeGrayPng((await renderCaptcha('HHHHHH', seed(7), UNDISTORTED_PROFILE)).png);
    // Undistorted glyphs sit evenly across the middle: each sixth of the text band has ink.
    const inkColumns = new Set<number>();
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) if ((image.levels[y * image.width + x] ?? 3) < 2) inkColumns.add(x);
    }
    const left = Math.min(...inkColumns);
    const right = Math.max(...inkColumns);
    const slot = (right - left) / 6;
    for (let i = 0; i < 6; i++) {
      const centre = Math.round(left + slot * (i + 0.5));
      expect([...inkColumns].some((x) => Math.abs(x - centre) < slot / 2)).toBe(true);
    }
  });
});
