import { parseArgs } from 'node:util';
import type { Difficulty } from '../../shared/domain/render/captcha-svg.js';

export const LEVELS: readonly Difficulty[] = ['easy', 'normal', 'hard'];

/** How hard the attacker trains: passed to train.py as is. */
export interface TrainingBudget {
  readonly maxEpochs: number;
  /** Epochs without a better validation score before training stops. */
  readonly patience: number;
  /** An epoch covers at least this many images, so small sets get as many steps between checks as large ones. */
  readonly minEpochImages: number;
  readonly batch: number;
  readonly learningRate: number;
  readonly augment: boolean;
  /** Input downscaling factor (2: 240×80 becomes 120×40). */
  readonly scale: number;
  /** Stop a model's training after this much CPU time; null: no limit. */
  readonly cpuMinutesPerModel: number | null;
}

export interface LearnedOptions {
  readonly budgetName: 'smoke' | 'default';
  /** Training-set sizes of the learning curve, ascending; the last is rendered per level. */
  readonly sizes: readonly number[];
  readonly levels: readonly Difficulty[];
  readonly validationImages: number;
  readonly testImages: number;
  readonly budget: TrainingBudget;
  /** Each gives a deployment style the models are also tested on. */
  readonly styleSecrets: readonly string[];
  readonly threads: number;
  readonly python: string;
  readonly keepData: boolean;
}

const PRESETS = {
  // Proves the pipeline end to end in well under a minute; its figures mean nothing.
  smoke: {
    images: 256,
    validationImages: 64,
    testImages: 100,
    budget: { maxEpochs: 2, patience: 2, minEpochImages: 0, batch: 64, learningRate: 2e-3, augment: true, scale: 2, cpuMinutesPerModel: null },
  },
  default: {
    images: 10_000,
    validationImages: 500,
    testImages: 1000,
    budget: { maxEpochs: 40, patience: 6, minEpochImages: 2048, batch: 64, learningRate: 2e-3, augment: true, scale: 2, cpuMinutesPerModel: null },
  },
} as const;

const CURVE_STEPS = [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

export const USAGE = `Usage: npm run bench:learned -- [training images per level] [options]
  --budget smoke|default   preset (default: default, 10000 images per level)
  --sizes 2000,5000,10000  learning-curve training-set sizes (default: 1k, 2k, 5k, ... up to the images per level)
  --levels normal,hard     levels to train on (default: all; every level is still a transfer target)
  --epochs N               most epochs per model          --patience N     early-stop patience (epochs)
  --cpu-minutes N          CPU budget per model; the learning rate anneals over it (default: none)
  --no-augment             train without augmentation
  --test N                 fresh test captchas per level  --val N          validation captchas per level
  --style-secret S         also test on the style a deployment with RENDER_STYLE_SECRET=S draws (repeatable)
  --threads N              torch threads (default 1)      --python PATH    (default /usr/bin/python3)
  --keep-data              keep the rendered images (their directory is printed)`;

function positiveInt(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, not "${value}"`);
  return parsed;
}

export function parseOptions(argv: readonly string[]): LearnedOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      budget: { type: 'string', default: 'default' },
      sizes: { type: 'string' },
      levels: { type: 'string' },
      epochs: { type: 'string' },
      patience: { type: 'string' },
      'cpu-minutes': { type: 'string' },
      'no-augment': { type: 'boolean', default: false },
      test: { type: 'string' },
      val: { type: 'string' },
      'style-secret': { type: 'string', multiple: true, default: [] },
      threads: { type: 'string', default: '1' },
      python: { type: 'string', default: '/usr/bin/python3' },
      'keep-data': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const budgetName = values.budget;
  if (budgetName !== 'smoke' && budgetName !== 'default') throw new Error(`--budget is smoke or default, not "${budgetName}"\n${USAGE}`);
  const preset = PRESETS[budgetName];
  if (positionals.length > 1) throw new Error(USAGE);

  const images = positionals[0] === undefined ? preset.images : positiveInt('training images per level', positionals[0]);
  const sizes = values.sizes
    ? values.sizes.split(',').map((size) => positiveInt('--sizes', size.trim())).sort((a, b) => a - b)
    : [...CURVE_STEPS.filter((step) => step < images), images];

  const levels = values.levels ? values.levels.split(',').map((level) => level.trim()) : [...LEVELS];
  for (const level of levels) if (!(LEVELS as readonly string[]).includes(level)) throw new Error(`unknown level "${level}" (easy, normal, hard)`);

  const cpuMinutes = values['cpu-minutes'] === undefined ? null : Number(values['cpu-minutes']);
  if (cpuMinutes !== null && !(cpuMinutes > 0)) throw new Error('--cpu-minutes must be a positive number');

  return {
    budgetName,
    sizes,
    levels: levels as Difficulty[],
    validationImages: values.val ? positiveInt('--val', values.val) : preset.validationImages,
    testImages: values.test ? positiveInt('--test', values.test) : preset.testImages,
    budget: {
      ...preset.budget,
      maxEpochs: values.epochs ? positiveInt('--epochs', values.epochs) : preset.budget.maxEpochs,
      patience: values.patience ? positiveInt('--patience', values.patience) : preset.budget.patience,
      augment: !values['no-augment'],
      cpuMinutesPerModel: cpuMinutes,
    },
    styleSecrets: values['style-secret'],
    threads: positiveInt('--threads', values.threads),
    python: values.python,
    keepData: values['keep-data'],
  };
}
