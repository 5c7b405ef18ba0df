import { describe, expect, it } from 'vitest';
import { DARK, LIGHT, WIDGET_STYLE, type Palette } from '../../services/api/widget/theme.js';

/** WCAG 2.x relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [value >> 16, (value >> 8) & 0xff, value & 0xff].map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

type Pair = readonly [keyof Palette, keyof Palette];

/** Text and its background: 4.5:1 (WCAG 1.4.3). */
const TEXT: readonly Pair[] = [
  ['text', 'background'],
  ['text', 'field'],
  ['text', 'fieldReadOnly'],
  ['buttonText', 'button'],
  ['buttonText', 'buttonHover'],
  ['primaryText', 'primary'],
  ['primaryText', 'primaryHover'],
  ['error', 'background'],
  ['success', 'background'],
];

/** Control boundaries, the progress bar and the focus ring against what surrounds them: 3:1 (WCAG 1.4.11, 2.4.13's minimum). */
const NON_TEXT: readonly Pair[] = [
  ['fieldBorder', 'background'],
  ['fieldBorder', 'field'],
  ['buttonBorder', 'background'],
  ['primary', 'background'],
  ['focus', 'background'],
  ['focus', 'field'],
];

describe.each([
  ['light', LIGHT],
  ['dark', DARK],
])('the %s theme', (_name, palette) => {
  it.each(TEXT)('%s on %s reaches 4.5:1', (fore, back) => {
    expect(contrast(palette[fore], palette[back])).toBeGreaterThanOrEqual(4.5);
  });

  it.each(NON_TEXT)('%s against %s reaches 3:1', (fore, back) => {
    expect(contrast(palette[fore], palette[back])).toBeGreaterThanOrEqual(3);
  });
});

describe('the widget stylesheet', () => {
  it('themes by data-theme: dark always, auto by prefers-color-scheme', () => {
    expect(WIDGET_STYLE).toContain(`:host([data-theme="dark"]) { --frc-text: ${DARK.text};`);
    expect(WIDGET_STYLE).toMatch(/@media \(prefers-color-scheme: dark\) \{ :host\(\[data-theme="auto"\]\) \{ --frc-text: #ececec;/);
    expect(WIDGET_STYLE).toContain(`--frc-text: ${LIGHT.text};`);
  });

  it('stops every animation and transition for prefers-reduced-motion', () => {
    expect(WIDGET_STYLE).toMatch(/@media \(prefers-reduced-motion: reduce\) \{\s*\*, ::before, ::after \{ animation: none !important; transition: none !important; \}/);
  });

  it('lays out in logical properties only, so right-to-left mirrors it', () => {
    expect(WIDGET_STYLE).not.toMatch(/(margin|padding|border)-(left|right)|text-align: (left|right)|float:/);
  });

  it('has a compact size', () => {
    expect(WIDGET_STYLE).toContain(':host([data-size="compact"])');
  });
});
