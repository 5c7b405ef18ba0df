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
import { format, isRightToLeft, messagesFor, pickLanguage, type Messages } from './i18n.js';
import { WIDGET_STYLE } from './theme.js';
import { emitComplete, emitError, emitExpire, errorCode, ServiceError } from './widget-events.js';

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

/** An ALTCHA v2 challenge, passed back as it came; the solver reads three of its fields. */
interface WirePuzzle {
  parameters: { salt: string; nonce: string; keyPrefix: string };
  signature: string;
}

type ChallengeReply =
  | { mode?: 'image'; challenge: string; image: string; expiresAt: string }
  | { mode: 'pow' | 'pow+image'; puzzle: WirePuzzle; work: number; expiresAt: string; challenge?: string; image?: string };

type SolveReply =
  | { solved: true; response: string; expiresAt: string }
  | { solved: false; error: { code: string; detail: string } };

interface ErrorReply {
  error?: { code?: string; detail?: string };
}

/** The widget's markup in one language (the texts are our own and hold no markup). */
const markup = (text: Messages): string => `
<div class="frc" role="group" aria-labelledby="title">
  <span class="title" id="title">${text.title}</span>
  <div class="image-part" hidden>
    <div class="picture">
      <img part="image" alt="${text.imageAlt}" width="240" height="80">
      <button type="button" class="new"><span class="icon" aria-hidden="true">&#x21bb;</span><span class="label">${text.newImage}</span></button>
    </div>
    <label for="answer">${text.answerLabel}</label>
    <div class="answer">
      <input id="answer" name="answer" dir="ltr" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" aria-describedby="status">
      <button type="button" class="verify">${text.verify}</button>
    </div>
  </div>
  <progress class="work" max="1" value="0" aria-label="${text.progress}" hidden></progress>
  <p class="status" id="status" role="status" aria-live="polite"></p>
  <button type="button" class="retry" hidden>${text.retry}</button>
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
  private readonly text: Messages;
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
    const language = pickLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language], element.dataset.lang);
    this.text = messagesFor(language);
    // A widget destroyed and rendered again reuses its shadow root: an element has one for life.
    const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${WIDGET_STYLE}</style>${markup(this.text)}`;
    const frame = query<HTMLElement>(root, '.frc');
    frame.lang = language;
    frame.dir = isRightToLeft(language) ? 'rtl' : 'ltr';
    this.imagePart = query(root, '.image-part');
    this.image = query(root, 'img');
    this.answer = query(root, 'input');
    this.verifyButton = query(root, '.verify');
    this.newButton = query(root, '.new');
    this.listen = addListenButton(query(root, '.picture'), {
      audioUrl: (challenge) => `${this.endpoint}/api/v2/widget/${encodeURIComponent(this.sitekey)}/audio/${challenge}`,
      challenge: () => this.challenge,
      say: (text, tone) => this.say(text, tone),
      text: {
        button: this.text.listen,
        loading: this.text.loadingAudio,
        playing: this.text.playingAudio,
        failed: (reason) => format(this.text.audioFailed, { reason }),
      },
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

  /** Stops everything this widget does and empties its element, which can then be rendered again. */
  destroy(): void {
    this.generation++;
    this.challenge = undefined;
    this.solving?.cancel();
    this.solving = undefined;
    this.listen.update();
    window.clearTimeout(this.expiryTimer);
    this.field.value = '';
    this.element.shadowRoot?.replaceChildren();
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
    this.say(message || (this.imagePart.hidden ? this.text.loadingCheck : this.text.loadingImage), message ? 'error' : 'busy');
    let reply: ChallengeReply;
    try {
      reply = await this.post<ChallengeReply>('challenge', {});
    } catch (error) {
      if (generation !== this.generation) return;
      this.say(format(this.text.loadFailed, { reason: describe(error, this.text.networkError) }), 'error');
      emitError(this.element, errorCode(error), describe(error, 'network error'));
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
      // The step-up image's id, so that it can be listened to; the puzzle still carries the answer.
      this.challenge = reply.challenge;
      this.showImage(reply.image);
      this.say(message, message ? 'error' : '');
      return;
    }
    this.imagePart.hidden = true;
    this.progress.hidden = false;
    this.say(this.text.checking, 'busy');
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
      this.say(this.text.typeCharacters, 'error');
      this.answer.focus();
      return;
    }
    // The answer is in: stop the audio, and keep a playback that starts late from overwriting the outcome.
    this.listen.update();
    if (this.solving) return void this.prove(this.generation, answer);
    this.busy = true;
    this.verifyButton.disabled = true;
    try {
      this.settle(await this.post<SolveReply>('solve', { challenge: this.challenge ?? '', answer }));
    } catch (error) {
      this.verifyButton.disabled = false;
      this.say(format(this.text.verifyFailed, { reason: describe(error, this.text.networkError) }), 'error');
      emitError(this.element, errorCode(error), describe(error, 'network error'));
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
      if (answer !== undefined) this.say(this.text.finishing, 'busy');
      const solution = await solving.solution;
      if (generation !== this.generation) return;
      if (!solution) return void (await this.load(this.text.checkFailed));
      const puzzle = btoa(JSON.stringify({ challenge: solving.puzzle, solution }));
      const reply = await this.post<SolveReply>('proof', answer === undefined ? { puzzle } : { puzzle, answer });
      if (generation !== this.generation) return;
      this.progress.hidden = true;
      this.settle(reply);
    } catch (error) {
      if (generation !== this.generation) return;
      this.verifyButton.disabled = false;
      this.say(format(this.text.verifyFailed, { reason: describe(error, this.text.networkError) }), 'error');
      emitError(this.element, errorCode(error), describe(error, 'network error'));
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
      this.say(this.text.verified, 'done');
      emitComplete(this.element, reply.response);
      return;
    }
    const withImage = !this.imagePart.hidden;
    const message =
      reply.error.code === 'wrong_answer' ? this.text.wrongAnswer : withImage && reply.error.code === 'challenge_expired' ? this.text.imageExpired : this.text.checkFailed;
    this.answer.value = '';
    this.verifyButton.disabled = false;
    if (withImage) this.answer.setAttribute('aria-invalid', 'true');
    else if (++this.silentRetries > MAX_SILENT_RETRIES) {
      this.say(format(this.text.verifyFailed, { reason: reply.error.detail }), 'error');
      emitError(this.element, reply.error.code, reply.error.detail);
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
        emitExpire(this.element);
        void this.reset(this.imagePart.hidden ? this.text.tokenExpiredPow : this.text.tokenExpired);
      }, delay);
    }
  }

  /** Shows a status line; `busy` adds a spinner (static for reduced motion). */
  private say(text: string, tone: '' | 'error' | 'done' | 'busy'): void {
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
    if (!response.ok) throw new ServiceError(body.error?.detail ?? `HTTP ${response.status}`, body.error?.code ?? `http_${response.status}`);
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

/** What went wrong, for the status line: the service's own words, or `fallback` when no answer came. */
function describe(error: unknown, fallback: string): string {
  return error instanceof ServiceError ? error.message : fallback;
}

const widgets = new Map<HTMLElement, CaptchaWidget>();

function mountAll(): void {
  document.querySelectorAll<HTMLElement>('.frc-captcha').forEach((element) => {
    if (!widgets.has(element)) widgets.set(element, new CaptchaWidget(element));
  });
}

const elementOf = (target: HTMLElement | string): HTMLElement | null =>
  typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target;

/**
 * The page's handle on its widgets, for pages that add forms after loading
 * (single-page apps): `render(el)` puts a widget into an element added later,
 * `reset()` resets all and `reset(el)` one, `destroy(el)` removes one (before
 * its element leaves the page) and `destroy()` all. `el` is an element or a selector.
 */
const api = {
  mount: mountAll,
  render(target: HTMLElement | string): void {
    const element = elementOf(target);
    if (element && !widgets.has(element)) widgets.set(element, new CaptchaWidget(element));
  },
  reset(target?: HTMLElement | string): Promise<void[]> {
    const element = target === undefined ? null : elementOf(target);
    const chosen = element ? [widgets.get(element)] : [...widgets.values()];
    return Promise.all(chosen.filter((widget): widget is CaptchaWidget => widget !== undefined).map((widget) => widget.reset()));
  },
  destroy(target?: HTMLElement | string): void {
    const element = target === undefined ? null : elementOf(target);
    const chosen = element ? [element] : [...widgets.keys()];
    for (const each of chosen) {
      widgets.get(each)?.destroy();
      widgets.delete(each);
    }
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
