/** How strongly a captcha is distorted; every pooled captcha carries its own, so telemetry can tell them apart. */
export const DIFFICULTIES = ['easy', 'normal', 'hard'] as const;

export type Difficulty = (typeof DIFFICULTIES)[number];

export function isDifficulty(value: unknown): value is Difficulty {
  return typeof value === 'string' && (DIFFICULTIES as readonly string[]).includes(value);
}
