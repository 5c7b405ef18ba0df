/**
 * `npm run bench:learned`: how well a learned solver reads our captchas. It
 * renders labelled captchas per difficulty level with the project's own
 * renderer (anyone can run it: the code is public), trains a small CRNN with
 * CTC loss on CPU (bench/learned/train.py, PyTorch) at growing training-set
 * sizes, and scores each model on fresh captchas; the largest model of each
 * level is also scored on the other levels, and on a deployment's own style
 * when `--style-secret` is given (transfer).
 *
 * Usage: see USAGE in bench/learned/options.ts (`-- --help`).
 * Writes markdown to stdout and JSON to bench/results/learned.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALPHABET } from '../shared/domain/captcha/alphabet.js';
import { deploymentStyle, writeDataset, type DeploymentStyle, type WrittenDataset } from './learned/dataset.js';
import { LEVELS, parseOptions, type LearnedOptions } from './learned/options.js';
import { markdownReport, type TrainingResults } from './learned/report.js';

const options = ((): LearnedOptions => {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();
// bench/learned/train.py in the source tree, seen from dist/bench/learned.js.
const TRAIN_SCRIPT = fileURLToPath(new URL('../../bench/learned/train.py', import.meta.url));

// Fail before rendering anything if the trainer cannot run.
const torchCheck = spawnSync(options.python, ['-c', 'import torch'], { encoding: 'utf8' });
if (torchCheck.status !== 0) {
  process.stderr.write(
    `bench:learned needs PyTorch for ${options.python} (Debian: apt-get install python3-torch):\n${(torchCheck.stderr || String(torchCheck.error)).trim().split('\n').slice(-1)[0]}\n`,
  );
  process.exit(1);
}

const deployments = ((): DeploymentStyle[] => {
  try {
    return options.styleSecrets.map((secret, i) => deploymentStyle(secret, i + 1));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();

const dataDir = mkdtempSync(join(tmpdir(), 'bench-learned-'));
const datasets: Record<string, WrittenDataset> = {};
const renderStarted = process.cpuUsage();
const renderWallStarted = performance.now();
const largest = options.sizes.at(-1) ?? 0;
for (const level of options.levels) {
  datasets[`train-${level}`] = await writeDataset(dataDir, `train-${level}`, level, largest);
  datasets[`val-${level}`] = await writeDataset(dataDir, `val-${level}`, level, options.validationImages);
}
// Every level is a transfer target, trained on or not.
for (const level of LEVELS) {
  datasets[`test-${level}`] = await writeDataset(dataDir, `test-${level}`, level, options.testImages);
  for (const [i, deployment] of deployments.entries()) {
    datasets[`test-${level}-style${i + 1}`] = await writeDataset(dataDir, `test-${level}-style${i + 1}`, level, options.testImages, deployment);
  }
}
const renderCpu = process.cpuUsage(renderStarted);
const renderCpuSeconds = (renderCpu.user + renderCpu.system) / 1e6;
const renderedImages = Object.values(datasets).reduce((sum, set) => sum + set.labels.length, 0);
process.stderr.write(`rendered ${renderedImages} captchas in ${((performance.now() - renderWallStarted) / 1000).toFixed(1)} s (${renderCpuSeconds.toFixed(1)} CPU-s) into ${dataDir}\n`);

const plan = {
  alphabet: ALPHABET,
  seed: 1,
  budget: options.budget,
  datasets,
  train: options.levels.map((level) => ({ level, style: 'default', train: `train-${level}`, val: `val-${level}`, sizes: options.sizes })),
  tests: Object.values(datasets)
    .filter((set) => set.name.startsWith('test-'))
    .map((set) => ({ set: set.name, level: set.level, style: set.style })),
};
const planFile = join(dataDir, 'plan.json');
const resultsFile = join(dataDir, 'results.json');
writeFileSync(planFile, JSON.stringify(plan));
const trainer = spawnSync(options.python, [TRAIN_SCRIPT, '--plan', planFile, '--out', resultsFile, '--threads', String(options.threads)], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (trainer.status !== 0) {
  process.stderr.write(`train.py failed (${String(trainer.status ?? trainer.signal)}); rendered data kept in ${dataDir}\n`);
  process.exit(1);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as TrainingResults;
if (options.keepData) process.stderr.write(`rendered data kept in ${dataDir}\n`);
else rmSync(dataDir, { recursive: true, force: true });

const totalCpuMinutes = results.curves.reduce((sum, c) => sum + c.cpuMinutes, 0);
const heading =
  `Learned attack (${results.model.kind}, ${Math.round(results.model.parameters / 1000)}k parameters, greedy decoding, input downscaled ${results.model.inputScale}×), ` +
  `${options.testImages} fresh test captchas per level, ${options.validationImages} for early stopping; budget ${options.budgetName}` +
  `${options.budget.augment ? ', with augmentation' : ''}; torch ${results.torch}, ${results.threads} thread(s), ${results.blas.join(' ') || 'unknown BLAS'}; ${new Date().toISOString().slice(0, 10)}.`;
const notes = [
  `Training took ${totalCpuMinutes.toFixed(1)} CPU-minutes in all; rendering the ${renderedImages} captchas ${(renderCpuSeconds / 60).toFixed(1)}.`,
  ...(deployments.length > 0 ? [] : ['No `--style-secret`: the deployment-style transfer rows are left out.']),
];
console.log(markdownReport(results, heading, notes));

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/learned.json',
  JSON.stringify(
    {
      date: new Date().toISOString(),
      budget: options.budgetName,
      sizes: options.sizes,
      levels: options.levels,
      validationImages: options.validationImages,
      testImages: options.testImages,
      training: options.budget,
      // The secrets themselves stay out of the results.
      deploymentStyles: deployments.map((d) => ({ label: d.label, ...d.style })),
      renderCpuSeconds,
      ...results,
    },
    null,
    2,
  ),
);
console.log('\nJSON: bench/results/learned.json');
