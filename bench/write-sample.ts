/**
 * Writes the README's pictures: docs/sample.png (one captcha from a fixed
 * seed), a contact sheet per difficulty level (docs/contact-sheet-<level>.png;
 * docs/contact-sheet.png is the default level) and one of deployment styles
 * (docs/contact-sheet-styles.png).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { contactSheet, styleSheet } from './hardness/contact-sheet.js';
import { renderStyleFor } from '../shared/domain/render/render-style.js';
import { renderCaptcha } from '../shared/domain/render/renderer.js';

const write = (path: string, png: Buffer): void => {
  writeFileSync(path, png);
  process.stdout.write(`${path}: ${png.length} bytes\n`);
};

mkdirSync('docs', { recursive: true });
write('docs/sample.png', (await renderCaptcha('KH7RWA', Buffer.from('0123456789abcdef'))).png);
for (const level of ['easy', 'normal', 'hard'] as const) {
  const sheet = await contactSheet(24, level);
  write(`docs/contact-sheet-${level}.png`, sheet);
  if (level === 'normal') write('docs/contact-sheet.png', sheet);
}
// Example secrets, one per distortion family (wave, arc, steps, bulge).
write('docs/contact-sheet-styles.png', await styleSheet(['b', 'i', 'a', 'c'].map(renderStyleFor), 'normal'));
