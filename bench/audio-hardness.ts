/**
 * `npm run bench:audio`: what an audio captcha costs to make and how often
 * offline attacks read it. Attacks: pocketsphinx with a grammar of exactly
 * six characters of our alphabet (bench/audio/pocketsphinx.ts), and our own
 * speech clips used as templates by someone who has our source
 * (bench/audio/template-attack.ts); each is tuned on labelled clips the
 * attacker makes with our public code, then run on fresh ones. The same
 * clips without noise show what the noise buys.
 *
 * Usage: npm run bench:audio -- [clips per set]   (0: the cost alone)
 * Writes markdown to stdout and JSON to bench/results/audio-hardness.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_AUDIO_PROFILE, renderAudioCaptcha, speakAnswer, type AudioCaptchaProfile } from '../shared/domain/audio/audio-captcha.js';
import { loadSpeechClips } from '../shared/adapters/audio-clip-files.js';
import { ALPHABET, randomAnswer } from '../shared/domain/captcha/alphabet.js';
import { newSeed, seededRandom } from '../shared/domain/render/random.js';
import { pocketsphinxAvailable, SPHINX_CONFIGS, sphinxRead } from './audio/pocketsphinx.js';
import { TEMPLATE_SETTINGS, TemplateReader } from './audio/template-attack.js';
import { score, tuneOnCalibration } from './attack-tuning.js';

const count = Number(process.argv[2] ?? 200);
const LENGTH = 6;
const clips = await loadSpeechClips();

// ---- cost: time and size of one audio captcha, as the API makes it per request
const costRuns = 300;
for (let i = 0; i < 20; i++) renderAudioCaptcha(randomAnswer(LENGTH), clips, seededRandom(newSeed())); // warm up
const times: number[] = [];
const sizes: number[] = [];
const durations: number[] = [];
// CPU time as well as wall time: on a shared machine the wall clock also counts other processes.
const cpuBefore = process.cpuUsage();
for (let i = 0; i < costRuns; i++) {
  const started = performance.now();
  const wav = renderAudioCaptcha(randomAnswer(LENGTH), clips, seededRandom(newSeed()));
  times.push(performance.now() - started);
  sizes.push(wav.length);
  durations.push((wav.length - 58) / clips.sampleRate);
}
const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))] ?? 0;
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const cpu = process.cpuUsage(cpuBefore);
const cost = {
  runs: costRuns,
  cpuMsMean: (cpu.user + cpu.system) / 1000 / costRuns,
  msMedian: quantile(times, 0.5),
  msP95: quantile(times, 0.95),
  bytesMean: mean(sizes),
  bytesMax: Math.max(...sizes),
  secondsMean: mean(durations),
  secondsMax: Math.max(...durations),
};

// ---- hardness

const QUIET: AudioCaptchaProfile = { ...DEFAULT_AUDIO_PROFILE, brownSnrDb: 200, babbleSnrDb: 200 };
const sets: { name: string; profile: AudioCaptchaProfile }[] = [
  { name: 'this project, audio (default)', profile: DEFAULT_AUDIO_PROFILE },
  { name: 'the same without noise (reference)', profile: QUIET },
];

const results: { set: string; attack: string; exact: number; perChar: number; detail: string }[] = [];
// A benchmark without one of its attacks would report a weaker attacker than there is: refuse to run.
if (!pocketsphinxAvailable()) throw new Error('pocketsphinx is required: apt-get install pocketsphinx pocketsphinx-en-us sox');
for (const set of count > 0 ? sets : []) {
  const make = (n: number): { answers: string[]; audio: Float32Array[] } => {
    const answers = Array.from({ length: n }, () => randomAnswer(LENGTH));
    return { answers, audio: answers.map((answer) => speakAnswer(answer, clips, seededRandom(newSeed()), set.profile)) };
  };
  // The attacker tunes on labelled clips they make with our code, then reads fresh ones.
  const calibration = make(Math.min(40, count));
  const test = make(count);

  const { settings: chosen } = tuneOnCalibration(SPHINX_CONFIGS, (config) =>
    score(calibration.answers, sphinxRead(calibration.audio, clips.sampleRate, LENGTH, ALPHABET, config)),
  );
  const final = score(test.answers, sphinxRead(test.audio, clips.sampleRate, LENGTH, ALPHABET, chosen));
  results.push({
    set: set.name,
    attack: `pocketsphinx, alphabet grammar (best of ${SPHINX_CONFIGS.length})`,
    ...final,
    detail: `${chosen.input}, VAD ${chosen.removeSilence ? 'on' : 'off'}`,
  });

  const { settings } = tuneOnCalibration(TEMPLATE_SETTINGS, (candidate) => {
    const reader = new TemplateReader(clips, ALPHABET, candidate);
    return score(calibration.answers, calibration.audio.map((audio) => reader.read(audio, LENGTH)));
  });
  const reader = new TemplateReader(clips, ALPHABET, settings);
  const template = score(test.answers, test.audio.map((audio) => reader.read(audio, LENGTH)));
  results.push({
    set: set.name,
    attack: `our clips as templates (best of ${TEMPLATE_SETTINGS.length})`,
    ...template,
    detail: `${settings.search}, ${settings.bandMeanNormalise ? 'band means removed' : 'raw log-mel'}, speeds ${settings.stretches.join('/')}`,
  });
  process.stderr.write(`${set.name}: done\n`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const lines = [
  `Audio captcha cost (${cost.runs} clips of ${LENGTH} characters, one core): ${cost.cpuMsMean.toFixed(2)} ms of CPU each on average ` +
    `(wall ${cost.msMedian.toFixed(2)} ms median, ${cost.msP95.toFixed(2)} ms p95); ${Math.round(cost.bytesMean)} bytes mean, ${cost.bytesMax} max; ` +
    `${cost.secondsMean.toFixed(2)} s mean, ${cost.secondsMax.toFixed(2)} s max.`,
  '',
  `${count} clips per set, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| captchas | attack | exact solves | characters right | tuned setting |',
  '| --- | --- | --- | --- | --- |',
  ...results.map((r) => `| ${r.set} | ${r.attack} | ${pct(r.exact)} | ${pct(r.perChar)} | ${r.detail} |`),
];
console.log(lines.join('\n'));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/audio-hardness.json', JSON.stringify({ count, cost, results }, null, 2));
// The answer of docs/sample.png, spoken from a fixed seed: what a listener hears.
writeFileSync('bench/results/audio-sample.wav', renderAudioCaptcha('KH7RWA', clips, seededRandom(Buffer.from('0123456789abcdef'))));
console.log('\nJSON: bench/results/audio-hardness.json; a sample to listen to: bench/results/audio-sample.wav (KH7RWA)');
