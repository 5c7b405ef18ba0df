/** Writes docs/sample.png: one captcha from a fixed seed, for the README. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderCaptcha } from '../shared/render/renderer.js';

const { png } = await renderCaptcha('KH7RWA', Buffer.from('0123456789abcdef'));
mkdirSync('docs', { recursive: true });
writeFileSync('docs/sample.png', png);
process.stdout.write(`docs/sample.png: ${png.length} bytes\n`);
