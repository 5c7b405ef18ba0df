import type { Difficulty } from '../../shared/domain/render/captcha-svg.js';

/** `default` (the public style) or a deployment style's label. */
export type StyleName = string;

/** One trained model, scored on fresh captchas of the level and style it was trained on (from train.py). */
export interface CurvePoint {
  readonly level: Difficulty;
  readonly style: StyleName;
  readonly trainImages: number;
  readonly exact: number;
  readonly perChar: number;
  readonly testImages: number;
  readonly cpuMinutes: number;
  readonly epochs: number;
  readonly bestEpoch: number;
}

/** A level's largest model, scored on another level or style. */
export interface TransferPoint {
  readonly trainedOn: { readonly level: Difficulty; readonly style: StyleName };
  readonly trainImages: number;
  readonly testedOn: { readonly level: Difficulty; readonly style: StyleName };
  readonly testImages: number;
  readonly exact: number;
  readonly perChar: number;
}

export interface TrainingResults {
  readonly model: { readonly kind: string; readonly parameters: number; readonly inputScale: number };
  readonly torch: string;
  readonly blas: readonly string[];
  readonly threads: number;
  readonly curves: readonly CurvePoint[];
  readonly transfer: readonly TransferPoint[];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const styled = (level: Difficulty, style: StyleName): string => (style === 'default' ? level : `${level}, ${style}`);

export function markdownReport(results: TrainingResults, heading: string, notes: readonly string[]): string {
  const lines = [
    heading,
    '',
    '| level | training images | exact solves | characters right | training CPU-minutes | epochs (best) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.curves.map(
      (c) => `| ${styled(c.level, c.style)} | ${c.trainImages} | ${pct(c.exact)} | ${pct(c.perChar)} | ${c.cpuMinutes.toFixed(1)} | ${c.epochs} (${c.bestEpoch}) |`,
    ),
    '',
    'Transfer: the largest model of each level, on captchas of a level or style it was not trained on.',
    '',
    '| trained on | training images | tested on | exact solves | characters right |',
    '| --- | --- | --- | --- | --- |',
    ...results.transfer.map(
      (t) => `| ${styled(t.trainedOn.level, t.trainedOn.style)} | ${t.trainImages} | ${styled(t.testedOn.level, t.testedOn.style)} | ${pct(t.exact)} | ${pct(t.perChar)} |`,
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ];
  return lines.join('\n');
}
