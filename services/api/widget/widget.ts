/**
 * The captcha widget: `<div class="frc-captcha" data-sitekey="…">` inside a
 * form gets a check whose result lands, as a single-use token, in the hidden
 * field `frc-captcha-response`. What the check is depends on the site's mode:
 * an image to read (`image`), a proof-of-work puzzle solved in Web Workers
 * without asking anything (`pow`), or the puzzle plus an image when the
 * service asks for a step-up (`pow+image`). No dependencies, no requests to
 * anyone but the captcha service this script was loaded from.
 */
import { solvePuzzle, type PuzzleSolution, type SolverMessage } from './pow-solver.js';
import { addListenButton, type ListenButton } from './listen-button.js';

/** The solver's worker script, bundled apart and inlined by the build (scripts/build-widget.mjs). */
declare const POW_WORKER_SOURCE: string;

const RESPONSE_FIELD = 'frc-captcha-response';
/** Drop a token this long before it expires, so a form is not submitted with a dead one. */
const EXPIRY_MARGIN_MS = 5_000;
/** A puzzle's secret counter is below 1.5 times its average work. */
const WORK_SPREAD = 1.5;
const MAX_WORKERS = 4;
/** A puzzle-only check that keeps failing stops starting again by itself after this many tries. */
const MAX_SILENT_RETRIES = 2;

/** Every text the widget shows, in one place. */
const TEXT = {
  title: 'Anti-robot check',
  imageAlt: 'Captcha image: type the characters it shows',
  newImage: 'New image',
  answerLabel: 'Characters in the image',
  verify: 'Verify',
  retry: 'Try again',
  progress: 'Anti-robot check progress',
  loadingImage: 'Loading image…',
  loadingCheck: 'Starting the check…',
  checking: 'Checking that you are human…',
  finishing: 'Finishing the check…',
  verified: 'Verified. You can submit the form.',
  typeCharacters: 'Type the characters you see in the image.',
  wrongAnswer: 'Wrong characters. Here is a new image.',
  imageExpired: 'That image expired. Here is a new one.',
  checkFailed: 'The check did not go through. Starting again…',
  tokenExpired: 'The check expired. Please solve this new image.',
  tokenExpiredPow: 'The check expired. Checking again…',
  loadFailed: (reason: string) => `Could not start the check (${reason}).`,
  verifyFailed: (reason: string) => `Could not verify (${reason}). Try again.`,
} as const;

/** An ALTCHA v2 challenge, passed back as it came; the solver reads three of its fields. */
interface WirePuzzle {
  parameters: { salt: string; nonce: string; keyPrefix: string };
  signature: string;
}

type ChallengeReply =
  | { mode?: 'image'; challenge: string; image: string; expiresAt: string }
  | { mode: 'pow' | 'pow+image'; puzzle: WirePuzzle; work: number; expiresAt: string; image?: string };

type SolveReply =
  | { solved: true; response: string; expiresAt: string }
  | { solved: false; error: { code: string; detail: string } };

interface ErrorReply {
  error?: { code?: string; detail?: string };
}

const STYLE = `
:host { display: block; max-width: 320px; font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; }
[hidden] { display: none !important; }
.frc { border: 1px solid #c8c8c8; border-radius: 6px; padding: 10px; background: #fafafa; }
.title { display: block; font-weight: 600; margin-bottom: 6px; }
.picture { display: flex; align-items: center; gap: 8px; }
img { width: 240px; max-width: 100%; height: auto; aspect-ratio: 3 / 1; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
label { display: block; margin: 8px 0 4px; }
.answer { display: flex; gap: 6px; }
input { flex: 1; min-width: 0; font: inherit; font-size: 16px; letter-spacing: 2px; text-transform: uppercase; padding: 6px 8px; border: 1px solid #888; border-radius: 4px; }
button { font: inherit; padding: 6px 10px; border: 1px solid #666; border-radius: 4px; background: #fff; color: #1b1b1b; cursor: pointer; }
button:disabled, input:read-only { opacity: 0.6; cursor: default; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
progress { display: block; width: 100%; height: 6px; margin-top: 6px; accent-color: #1a5fb4; }
.status { min-height: 1.4em; margin: 6px 0 0; }
.status.error { color: #a51d2d; }
.status.done { color: #26a269; font-weight: 600; }
.retry { margin-top: 6px; }
`;

const MARKUP = `
<div class="frc" role="group" aria-labelledby="title">
  <span class="title" id="title">${TEXT.title}</span>
  <div class="image-part" hidden>
    <div class="picture">
      <img part="image" alt="${TEXT.imageAlt}" width="240" height="80">
      <button type="button" class="new" aria-label="${TEXT.newImage}">&#x21bb; New</button>
    </div>
    <label for="answer">${TEXT.answerLabel}</label>
    <div class="answer">
      <input id="answer" name="answer" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" aria-describedby="status">
      <button type="button" class="verify">${TEXT.verify}</button>
    </div>
  </div>
  <progress class="work" max="1" value="0" aria-label="${TEXT.progress}" hidden></progress>
  <p class="status" id="status" role="status" aria-live="polite"></p>
  <button type="button" class="retry" hidden>${TEXT.retry}</button>
</div>`;

function scriptEndpoint(): string {
  const script = document.currentScript;
  return script instanceof HTMLScriptElement && script.src ? new URL(script.src).origin : window.location.origin;
}

const defaultEndpoint = scriptEndpoint();

/** A puzzle being solved: its challenge, the solution to come (undefined if none was found), and a way to stop. */
interface Solving {
  readonly puzzle: WirePuzzle;
  readonly solution: Promise<PuzzleSolution | undefined>;
  cancel(): void;
}

let workerUrl: string | undefined;

/** A solver worker, or undefined where the page forbids one (a CSP without `worker-src blob:`). */
function createWorker(): Worker | undefined {
  try {
    workerUrl ??= URL.createObjectURL(new Blob([POW_WORKER_SOURCE], { type: 'text/javascript' }));
    return new Worker(workerUrl);
  } catch {
    return undefined;
  }
}

/**
 * Solves a puzzle off the page: one worker per core (up to four), each trying
 * every n-th counter. Where no worker can start, the page itself solves it;
 * WebCrypto digests are asynchronous, so even then the page keeps responding.
 */
function solve(puzzle: WirePuzzle, work: number, onProgress: (fraction: number) => void): Solving {
  const { salt, nonce, keyPrefix } = puzzle.parameters;
  const end = Math.ceil(work * WORK_SPREAD) + 1;
  const task = { salt, nonce, keyPrefix, end };
  let cancelled = false;
  const workers: Worker[] = [];
  const stopWorkers = (): void => workers.splice(0).forEach((worker) => worker.terminate());
  const onPage = (): Promise<PuzzleSolution | undefined> =>
    solvePuzzle({ ...task, start: 0, step: 1 }, (tried) => onProgress(tried / end), () => cancelled);
  const cancel = (): void => {
    cancelled = true;
    stopWorkers();
  };

  const wanted = Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1));
  for (let i = 0; i < wanted; i++) {
    const worker = createWorker();
    if (!worker) break;
    workers.push(worker);
  }
  if (workers.length === 0) return { puzzle, solution: onPage(), cancel };

  const solution = new Promise<PuzzleSolution | undefined>((resolve) => {
    const tried = workers.map(() => 0);
    let exhausted = 0;
    let fellBack = false;
    workers.forEach((worker, index) => {
      worker.onmessage = (event: MessageEvent<SolverMessage>) => {
        const message = event.data;
        if (message.type === 'progress') {
          tried[index] = message.tried;
          onProgress(tried.reduce((sum, count) => sum + count, 0) / end);
        } else if (message.type === 'solved') {
          stopWorkers();
          resolve({ counter: message.counter, derivedKey: message.derivedKey });
        } else if (++exhausted === tried.length) {
          stopWorkers();
          resolve(undefined);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stopWorkers();
        if (!fellBack) resolve(onPage());
        fellBack = true;
      };
      worker.postMessage({ ...task, start: index, step: tried.length });
    });
  });
  return { puzzle, solution, cancel };
}

class CaptchaWidget {
  private readonly imagePart: HTMLElement;
  private readonly image: HTMLImageElement;
  private readonly answer: HTMLInputElement;
  private readonly verifyButton: HTMLButtonElement;
  private readonly newButton: HTMLButtonElement;
  private readonly listen: ListenButton;
  private readonly retryButton: HTMLButtonElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLElement;
  private readonly field: HTMLInputElement;
  private readonly endpoint: string;
  /** The image challenge of the image mode. */
  private challenge: string | undefined;
  /** The puzzle of the pow modes. */
  private solving: Solving | undefined;
  /** Bumped by every load, so answers to an older challenge are ignored. */
  private generation = 0;
  private expiryTimer: number | undefined;
  private busy = false;
  /** Puzzle-only checks that failed in a row. */
  private silentRetries = 0;

  constructor(readonly element: HTMLElement) {
    this.endpoint = (element.dataset.apiEndpoint ?? defaultEndpoint).replace(/\/+$/, '');
    const root = element.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>${MARKUP}`;
    this.imagePart = query(root, '.image-part');
    this.image = query(root, 'img');
    this.answer = query(root, 'input');
    this.verifyButton = query(root, '.verify');
    this.newButton = query(root, '.new');
    this.listen = addListenButton(query(root, '.picture'), {
      audioUrl: (challenge) => `${this.endpoint}/api/v2/widget/${encodeURIComponent(this.sitekey)}/audio/${challenge}`,
      challenge: () => this.challenge,
      say: (text, tone) => this.say(text, tone),
    });
    this.retryButton = query(root, '.retry');
    this.progress = query(root, 'progress');
    this.status = query(root, '.status');
    // The token field lives in the light DOM so the surrounding form submits it.
    this.field = element.querySelector<HTMLInputElement>(`input[name="${RESPONSE_FIELD}"]`) ?? createField(element);

    this.verifyButton.addEventListener('click', () => void this.verify());
    this.newButton.addEventListener('click', () => void this.reset());
    this.retryButton.addEventListener('click', () => void this.reset());
    this.answer.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault(); // solve first; never submit the form without a token
      if (this.field.value !== '') this.field.form?.requestSubmit();
      else void this.verify();
    });
    void this.load();
  }

  private get sitekey(): string {
    return this.element.dataset.sitekey ?? '';
  }

  /** Forgets any token and starts a fresh check. */
  async reset(message = ''): Promise<void> {
    this.silentRetries = 0;
    this.setToken('', 0);
    this.answer.value = '';
    this.answer.readOnly = false;
    this.verifyButton.disabled = false;
    this.answer.removeAttribute('aria-invalid');
    await this.load(message);
  }

  private async load(message = ''): Promise<void> {
    const generation = ++this.generation;
    this.challenge = undefined;
    this.solving?.cancel();
    this.solving = undefined;
    this.retryButton.hidden = true;
    this.progress.hidden = true;
    this.say(message || (this.imagePart.hidden ? TEXT.loadingCheck : TEXT.loadingImage), message ? 'error' : '');
    let reply: ChallengeReply;
    try {
      reply = await this.post<ChallengeReply>('challenge', {});
    } catch (error) {
      if (generation !== this.generation) return;
      this.say(TEXT.loadFailed(describe(error)), 'error');
      this.retryButton.hidden = !this.imagePart.hidden;
      return;
    }
    if (generation !== this.generation) return;
    if ('puzzle' in reply) {
      this.startPuzzle(reply, generation, message);
    } else {
      this.challenge = reply.challenge;
      this.showImage(reply.image);
      this.say(message, message ? 'error' : '');
    }
  }

  /** Solves the puzzle at once; without an image the token follows by itself, with one it waits for Verify. */
  private startPuzzle(reply: Extract<ChallengeReply, { puzzle: WirePuzzle }>, generation: number, message: string): void {
    this.solving = solve(reply.puzzle, reply.work, (fraction) => {
      if (generation === this.generation) this.progress.value = Math.min(1, fraction);
    });
    this.progress.value = 0;
    if (reply.image !== undefined) {
      this.showImage(reply.image);
      this.say(message, message ? 'error' : '');
      return;
    }
    this.imagePart.hidden = true;
    this.progress.hidden = false;
    this.say(TEXT.checking, '');
    void this.prove(generation, undefined);
  }

  private showImage(src: string): void {
    this.image.src = src;
    this.listen.update();
    this.imagePart.hidden = false;
  }

  private async verify(): Promise<void> {
    if (this.busy) return;
    if (!this.challenge && !this.solving) return void this.load();
    const answer = this.answer.value.trim();
    if (answer === '') {
      this.answer.setAttribute('aria-invalid', 'true');
      this.say(TEXT.typeCharacters, 'error');
      this.answer.focus();
      return;
    }
    if (this.solving) return void this.prove(this.generation, answer);
    this.busy = true;
    this.verifyButton.disabled = true;
    try {
      this.settle(await this.post<SolveReply>('solve', { challenge: this.challenge ?? '', answer }));
    } catch (error) {
      this.verifyButton.disabled = false;
      this.say(TEXT.verifyFailed(describe(error)), 'error');
    } finally {
      this.busy = false;
    }
  }

  /** Waits for the puzzle's solution and redeems it, with the answer to its image if it has one. */
  private async prove(generation: number, answer: string | undefined): Promise<void> {
    const solving = this.solving;
    if (!solving) return;
    this.busy = true;
    this.verifyButton.disabled = true;
    try {
      if (answer !== undefined) this.say(TEXT.finishing, '');
      const solution = await solving.solution;
      if (generation !== this.generation) return;
      if (!solution) return void (await this.load(TEXT.checkFailed));
      const puzzle = btoa(JSON.stringify({ challenge: solving.puzzle, solution }));
      const reply = await this.post<SolveReply>('proof', answer === undefined ? { puzzle } : { puzzle, answer });
      if (generation !== this.generation) return;
      this.progress.hidden = true;
      this.settle(reply);
    } catch (error) {
      if (generation !== this.generation) return;
      this.verifyButton.disabled = false;
      this.say(TEXT.verifyFailed(describe(error)), 'error');
      this.retryButton.hidden = !this.imagePart.hidden;
    } finally {
      this.busy = false;
    }
  }

  /** Takes the token, or starts again with a message saying why. */
  private settle(reply: SolveReply): void {
    if (reply.solved) {
      this.solving = undefined;
      this.silentRetries = 0;
      this.setToken(reply.response, Date.parse(reply.expiresAt));
      // Read-only rather than disabled, so keyboard focus stays here and Tab moves on to the form.
      this.answer.readOnly = true;
      this.answer.removeAttribute('aria-invalid');
      this.say(TEXT.verified, 'done');
      this.element.dispatchEvent(new CustomEvent('frc:solved', { bubbles: true }));
      return;
    }
    const withImage = !this.imagePart.hidden;
    const message =
      reply.error.code === 'wrong_answer' ? TEXT.wrongAnswer : withImage && reply.error.code === 'challenge_expired' ? TEXT.imageExpired : TEXT.checkFailed;
    this.answer.value = '';
    this.verifyButton.disabled = false;
    if (withImage) this.answer.setAttribute('aria-invalid', 'true');
    else if (++this.silentRetries > MAX_SILENT_RETRIES) {
      this.say(reply.error.detail, 'error');
      this.retryButton.hidden = false;
      return;
    }
    void this.load(message).then(() => {
      if (withImage) this.answer.focus();
    });
  }

  private setToken(token: string, expiresAt: number): void {
    this.field.value = token;
    window.clearTimeout(this.expiryTimer);
    if (token !== '') {
      const delay = Math.max(0, expiresAt - Date.now() - EXPIRY_MARGIN_MS);
      this.expiryTimer = window.setTimeout(() => {
        this.element.dispatchEvent(new CustomEvent('frc:expired', { bubbles: true }));
        void this.reset(this.imagePart.hidden ? TEXT.tokenExpiredPow : TEXT.tokenExpired);
      }, delay);
    }
  }

  private say(text: string, tone: '' | 'error' | 'done'): void {
    this.status.textContent = text;
    this.status.className = `status ${tone}`;
  }

  private async post<T>(action: string, fields: Record<string, string>): Promise<T> {
    const response = await fetch(`${this.endpoint}/api/v2/widget/${encodeURIComponent(this.sitekey)}/${action}`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      credentials: 'omit',
      mode: 'cors',
    });
    const body = (await response.json().catch(() => ({}))) as T & ErrorReply;
    if (!response.ok) throw new Error(body.error?.detail ?? `HTTP ${response.status}`);
    return body;
  }
}

function query<T extends Element>(root: ShadowRoot, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`widget markup lacks ${selector}`);
  return found;
}

function createField(element: HTMLElement): HTMLInputElement {
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = RESPONSE_FIELD;
  element.appendChild(field);
  return field;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'network error';
}

const widgets = new Map<HTMLElement, CaptchaWidget>();

function mountAll(): void {
  document.querySelectorAll<HTMLElement>('.frc-captcha').forEach((element) => {
    if (!widgets.has(element)) widgets.set(element, new CaptchaWidget(element));
  });
}

/** The page's handle on its widgets: `frcCaptcha.reset()` resets all, `frcCaptcha.reset(el)` one. */
const api = {
  mount: mountAll,
  reset(target?: HTMLElement | string): Promise<void[]> {
    const element = typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target;
    const chosen = element ? [widgets.get(element)] : [...widgets.values()];
    return Promise.all(chosen.filter((widget): widget is CaptchaWidget => widget !== undefined).map((widget) => widget.reset()));
  },
};

declare global {
  interface Window {
    frcCaptcha: typeof api;
  }
}

window.frcCaptcha = api;
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
else mountAll();
