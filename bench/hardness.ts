/**
 * `npm run bench:hardness`: how often automated solvers read our captchas,
 * at every difficulty level, side by side with svg-captcha's default images.
 * Attacks: Tesseract in several configurations (the best is reported), and a
 * segmentation + template attack by someone who has our source and font.
 *
 * Usage: npm run bench:hardness -- [images per set]
 * Writes markdown to stdout, JSON and a contact sheet to bench/results/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype from 'opentype.js';
import svgCaptcha from 'svg-captcha';
import { ALPHABET, randomAnswer } from '../shared/domain/captcha/alphabet.js';
import { captchaSvg, DIFFICULTY_PROFILES, type Difficulty } from '../shared/domain/render/captcha-svg.js';
import { glyphOutline } from '../shared/domain/render/glyphs.js';
import { newSeed, seededRandom } from '../shared/domain/render/random.js';
import { contactSheet } from './hardness/contact-sheet.js';
import { rasterize, type GrayImage } from './hardness/gray-image.js';
import { ATTACK_SETTINGS, buildTemplates, readCaptcha, type Templates } from './hardness/template-attack.js';
import { TESSERACT_CONFIGS, tesseractAvailable, tesseractRead } from './hardness/tesseract.js';
import { score, tuneOnCalibration } from './attack-tuning.js';

const count = Number(process.argv[2] ?? 500);
const LENGTH = 6;

interface Sample {
  readonly answer: string;
  readonly image: GrayImage;
}

interface CaptchaSet {
  readonly name: string;
  readonly alphabet: string;
  readonly templates: Templates;
  generate(): Sample;
}

const SVG_CAPTCHA_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const svgCaptchaFont = (() => {
  const file = readFileSync(createRequire(import.meta.url).resolve('svg-captcha/fonts/Comismsh.ttf'));
  return opentype.parse(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
})();

const ourTemplates = buildTemplates(ALPHABET, (char) => glyphOutline(char).commands);
const sets: CaptchaSet[] = [
  ...(['easy', 'normal', 'hard'] as Difficulty[]).map((level) => ({
    name: `this project, ${level}`,
    alphabet: ALPHABET,
    templates: ourTemplates,
    generate: () => {
      const answer = randomAnswer(LENGTH);
      return { answer, image: rasterize(captchaSvg(answer, seededRandom(newSeed()), DIFFICULTY_PROFILES[level])) };
    },
  })),
  {
    name: 'svg-captcha (defaults, 6 chars, 240×80)',
    alphabet: SVG_CAPTCHA_ALPHABET,
    templates: buildTemplates(SVG_CAPTCHA_ALPHABET, (char) => svgCaptchaFont.charToGlyph(char).getPath(0, 0, 1).commands),
    generate: () => {
      const { text, data } = svgCaptcha.create({ size: LENGTH, width: 240, height: 80 });
      return { answer: text, image: rasterize(data) };
    },
  },
];

// A benchmark without one of its attacks would report a weaker attacker than there is: refuse to run.
if (!tesseractAvailable()) throw new Error('tesseract is required: apt-get install tesseract-ocr tesseract-ocr-eng');

const results: { set: string; attack: string; exact: number; perChar: number; detail: string }[] = [];
for (const set of sets) {
  const samples = Array.from({ length: count }, () => set.generate());
  // The attacker tunes on labelled images they render themselves, not on the test images.
  const calibration = Array.from({ length: Math.min(60, count) }, () => set.generate());

  const { settings: config } = tuneOnCalibration(TESSERACT_CONFIGS, (candidate) =>
    score(calibration.map((s) => s.answer), tesseractRead(calibration.map((s) => s.image), candidate, set.alphabet)),
  );
  const final = score(samples.map((s) => s.answer), tesseractRead(samples.map((s) => s.image), config, set.alphabet));
  results.push({ set: set.name, attack: 'Tesseract (best of 9)', ...final, detail: `psm ${config.psm}, ${config.preprocess}, whitelist` });

  const { settings: chosen } = tuneOnCalibration(ATTACK_SETTINGS, (settings) =>
    score(calibration.map((s) => s.answer), calibration.map((s) => readCaptcha(s.image, LENGTH, set.templates, settings))),
  );
  const template = score(samples.map((s) => s.answer), samples.map((s) => readCaptcha(s.image, LENGTH, set.templates, chosen)));
  results.push({
    set: set.name,
    attack: 'segmentation + template',
    ...template,
    detail: `threshold ${chosen.threshold ?? 'Otsu'}, opening radius ${chosen.openingRadius}`,
  });
  process.stderr.write(`${set.name}: done\n`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const lines = [
  `${count} images per set, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| captchas | attack | exact solves | characters right | tuned setting |',
  '| --- | --- | --- | --- | --- |',
  ...results.map((r) => `| ${r.set} | ${r.attack} | ${pct(r.exact)} | ${pct(r.perChar)} | ${r.detail} |`),
];
console.log(lines.join('\n'));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/hardness.json', JSON.stringify({ count, results }, null, 2));
writeFileSync('bench/results/contact-sheet.png', await contactSheet(24, 'normal'));
console.log('\nJSON: bench/results/hardness.json; contact sheet: bench/results/contact-sheet.png');
