/** How well an attack read a set of captchas: whole answers, and characters in place. */
export interface Score {
  readonly exact: number;
  readonly perChar: number;
}

/** Scores guesses against answers, ignoring case (some generators answer in lower case, every attack reads upper). */
export function score(answers: readonly string[], guesses: readonly string[]): Score {
  let exact = 0;
  let chars = 0;
  let length = 0;
  answers.forEach((answer, i) => {
    const want = answer.toUpperCase();
    const guess = (guesses[i] ?? '').toUpperCase();
    if (guess === want) exact++;
    for (let c = 0; c < want.length; c++) if (guess[c] === want[c]) chars++;
    length += want.length;
  });
  return { exact: exact / answers.length, perChar: chars / length };
}

const better = (a: Score, b: Score): boolean => a.exact > b.exact || (a.exact === b.exact && a.perChar > b.perChar);

/**
 * The attacker's tuning: of the candidate settings, the one that reads the
 * calibration set best (labelled captchas the attacker made with our public
 * code, never the test set).
 */
export function tuneOnCalibration<Settings>(candidates: readonly Settings[], scoreOnCalibration: (settings: Settings) => Score): { settings: Settings; score: Score } {
  let best: { settings: Settings; score: Score } | undefined;
  for (const settings of candidates) {
    const tried = scoreOnCalibration(settings);
    if (!best || better(tried, best.score)) best = { settings, score: tried };
  }
  if (!best) throw new Error('no candidate settings to tune');
  return best;
}
