/**
 * The /demo/study page: shows captchas drawn from every difficulty one at a
 * time, takes the reader's answer, and at the end shows their own solve rate
 * and median time per level. The level is revealed only in the results.
 */

const ROUNDS = 30;

interface StudyCaptcha {
  id: string;
  image: string;
}

interface StudyResult {
  correct: boolean;
  difficulty: string;
  seconds: number;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

async function post<T>(path: string, body?: Record<string, string>): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const reply = (await response.json()) as T & { error?: { detail?: string } };
  if (!response.ok) throw new Error(reply.error?.detail ?? `HTTP ${response.status}`);
  return reply;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function summary(results: StudyResult[]): HTMLTableElement {
  const table = document.createElement('table');
  table.id = 'results';
  const caption = table.createCaption();
  caption.textContent = 'Your results';
  const head = table.createTHead().insertRow();
  for (const title of ['Level', 'Captchas', 'Right', 'Solve rate', 'Median time']) {
    const cell = document.createElement('th');
    cell.scope = 'col';
    cell.textContent = title;
    head.appendChild(cell);
  }
  const body = table.createTBody();
  const groups: [string, StudyResult[]][] = [
    ...['easy', 'normal', 'hard'].map((level): [string, StudyResult[]] => [level, results.filter((r) => r.difficulty === level)]),
    ['all', results],
  ];
  for (const [level, group] of groups) {
    if (group.length === 0) continue;
    const right = group.filter((r) => r.correct).length;
    const row = body.insertRow();
    row.dataset.level = level;
    for (const text of [level, String(group.length), String(right), `${Math.round((100 * right) / group.length)}%`, `${median(group.map((r) => r.seconds)).toFixed(1)} s`]) {
      row.insertCell().textContent = text;
    }
  }
  return table;
}

function start(): void {
  const image = element<HTMLImageElement>('captcha');
  const form = element<HTMLFormElement>('study');
  const input = element<HTMLInputElement>('answer');
  const progress = element<HTMLElement>('progress');
  const status = element<HTMLElement>('status');
  const results: StudyResult[] = [];
  let current: StudyCaptcha | undefined;

  const load = async (): Promise<void> => {
    current = await post<StudyCaptcha>('/demo/study/captcha');
    image.src = current.image;
    input.value = '';
    progress.textContent = `Captcha ${results.length + 1} of ${ROUNDS}`;
    input.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const id = current.id;
    current = undefined;
    post<StudyResult>('/demo/study/answer', { id, answer: input.value })
      .then(async (result) => {
        results.push(result);
        status.textContent = result.correct ? 'Right.' : 'Not quite.';
        if (results.length < ROUNDS) return load();
        form.hidden = true;
        image.hidden = true;
        progress.textContent = 'Done: thank you.';
        element<HTMLElement>('summary').appendChild(summary(results));
        return undefined;
      })
      .catch((error: unknown) => {
        status.textContent = `Something went wrong: ${String(error)}. Loading another captcha.`;
        return load();
      });
  });
  load().catch((error: unknown) => (status.textContent = `Could not load a captcha: ${String(error)}`));
}

start();
