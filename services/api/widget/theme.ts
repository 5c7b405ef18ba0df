/**
 * The widget's look: a light and a dark palette chosen by `data-theme`
 * (`light`, the default; `dark`; `auto`, which follows the visitor's
 * prefers-color-scheme), a compact size by `data-size="compact"`, layout in
 * logical properties so right-to-left languages mirror it, and no motion for
 * visitors who ask for reduced motion. Both palettes meet WCAG 2.2 AA: 4.5:1
 * for text, 3:1 for control borders and the focus ring (checked in the unit
 * tests from these very values).
 */

/** The colours of one theme, as #rrggbb. */
export interface Palette {
  /** Text on `background`, `field` and `fieldReadOnly`. */
  readonly text: string;
  readonly background: string;
  /** The widget's frame. */
  readonly border: string;
  /** The answer field. */
  readonly field: string;
  readonly fieldReadOnly: string;
  readonly fieldBorder: string;
  /** Secondary buttons (new image, try again). */
  readonly button: string;
  readonly buttonHover: string;
  readonly buttonBorder: string;
  readonly buttonText: string;
  /** The Verify button and the progress bar. */
  readonly primary: string;
  readonly primaryHover: string;
  readonly primaryText: string;
  readonly focus: string;
  readonly error: string;
  readonly success: string;
}

export const LIGHT: Palette = {
  text: '#1b1b1b',
  background: '#fafafa',
  border: '#8a8a8a',
  field: '#ffffff',
  fieldReadOnly: '#f0f0f0',
  fieldBorder: '#767676',
  button: '#ffffff',
  buttonHover: '#ececec',
  buttonBorder: '#767676',
  buttonText: '#1b1b1b',
  primary: '#1a5fb4',
  primaryHover: '#1554a0',
  primaryText: '#ffffff',
  focus: '#1a5fb4',
  error: '#a51d2d',
  success: '#1e7b45',
};

export const DARK: Palette = {
  text: '#ececec',
  background: '#1f1f1f',
  border: '#8a8a8a',
  field: '#121212',
  fieldReadOnly: '#2a2a2a',
  fieldBorder: '#9a9a9a',
  button: '#2b2b2b',
  buttonHover: '#363636',
  buttonBorder: '#a0a0a0',
  buttonText: '#f2f2f2',
  primary: '#99c1f1',
  primaryHover: '#b8d4f5',
  primaryText: '#0b1a2e',
  focus: '#99c1f1',
  error: '#ff9d9d',
  success: '#7ee2a0',
};

export type Theme = 'light' | 'dark' | 'auto';

const cssName = (key: string): string => `--frc-${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** A palette as custom properties, plus the colour scheme native parts (caret, progress) should use. */
function variables(palette: Palette, scheme: 'light' | 'dark'): string {
  const properties = Object.entries(palette).map(([key, value]) => `${cssName(key)}: ${value};`);
  return `${properties.join(' ')} color-scheme: ${scheme};`;
}

const visuallyHidden =
  'position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;';

/** The widget's stylesheet, for its shadow root. */
export const WIDGET_STYLE = `
:host { display: block; max-width: 320px; font: 14px/1.4 system-ui, sans-serif; ${variables(LIGHT, 'light')} }
:host([data-theme="dark"]) { ${variables(DARK, 'dark')} }
@media (prefers-color-scheme: dark) { :host([data-theme="auto"]) { ${variables(DARK, 'dark')} } }
:host([data-size="compact"]) { max-width: 250px; font-size: 13px; }
[hidden] { display: none !important; }
.frc { border: 1px solid var(--frc-border); border-radius: 6px; padding: 10px; background: var(--frc-background); color: var(--frc-text); text-align: start; }
.title { display: block; font-weight: 600; margin-block-end: 6px; }
.picture { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
img { width: 240px; max-width: 100%; height: auto; aspect-ratio: 3 / 1; background: #fff; border: 1px solid var(--frc-border); border-radius: 4px; }
label { display: block; margin-block: 8px 4px; }
.answer { display: flex; gap: 6px; }
input { flex: 1; min-width: 0; font: inherit; font-size: 16px; letter-spacing: 2px; text-transform: uppercase; padding-block: 6px; padding-inline: 8px; border: 1px solid var(--frc-field-border); border-radius: 4px; background: var(--frc-field); color: var(--frc-text); }
.frc:lang(tr) input, .frc:lang(az) input { text-transform: none; }
input:read-only { background: var(--frc-field-read-only); }
button { font: inherit; min-width: 32px; min-height: 32px; padding-block: 4px; padding-inline: 10px; border: 1px solid var(--frc-button-border); border-radius: 4px; background: var(--frc-button); color: var(--frc-button-text); cursor: pointer; transition: background-color 0.15s ease, border-color 0.15s ease; }
button:hover:not(:disabled) { background: var(--frc-button-hover); }
button.verify { background: var(--frc-primary); border-color: var(--frc-primary); color: var(--frc-primary-text); font-weight: 600; }
button.verify:hover:not(:disabled) { background: var(--frc-primary-hover); border-color: var(--frc-primary-hover); }
button:disabled { opacity: 0.6; cursor: default; }
.icon { display: inline-block; margin-inline-end: 4px; }
:focus-visible { outline: 3px solid var(--frc-focus); outline-offset: 2px; }
progress { display: block; width: 100%; height: 6px; margin-block-start: 6px; accent-color: var(--frc-primary); }
.status { min-height: 1.4em; margin: 6px 0 0; }
.status.error { color: var(--frc-error); }
.status.done { color: var(--frc-success); font-weight: 600; }
.status.busy::before { content: ''; display: inline-block; box-sizing: border-box; width: 1em; height: 1em; margin-inline-end: 6px; vertical-align: -0.15em; border: 2px solid currentColor; border-inline-end-color: transparent; border-radius: 50%; animation: frc-spin 0.9s linear infinite; }
@keyframes frc-spin { to { transform: rotate(1turn); } }
.retry { margin-block-start: 6px; }
:host([data-size="compact"]) .frc { padding: 6px; }
:host([data-size="compact"]) .picture { flex-wrap: nowrap; gap: 6px; }
:host([data-size="compact"]) img { flex: 1; width: auto; min-width: 0; }
:host([data-size="compact"]) .new .icon { margin: 0; }
:host([data-size="compact"]) .new .label { ${visuallyHidden} }
:host([data-size="compact"]) input { font-size: 15px; letter-spacing: 1px; }
@media (prefers-reduced-motion: reduce) {
  *, ::before, ::after { animation: none !important; transition: none !important; }
}
`;
