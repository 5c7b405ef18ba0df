/**
 * The captcha widget: `<div class="frc-captcha" data-sitekey="…">` inside a
 * form becomes an image captcha whose solution lands, as a single-use token,
 * in the hidden field `frc-captcha-response`. No dependencies, no requests to
 * anyone but the captcha service this script was loaded from.
 */

const RESPONSE_FIELD = 'frc-captcha-response';
/** Drop a token this long before it expires, so a form is not submitted with a dead one. */
const EXPIRY_MARGIN_MS = 5_000;

interface ChallengeReply {
  challenge: string;
  image: string;
  expiresAt: string;
}

type SolveReply =
  | { solved: true; response: string; expiresAt: string }
  | { solved: false; error: { code: string; detail: string } };

interface ErrorReply {
  error?: { code?: string; detail?: string };
}

const STYLE = `
:host { display: block; max-width: 320px; font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; }
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
.status { min-height: 1.4em; margin: 6px 0 0; }
.status.error { color: #a51d2d; }
.status.done { color: #26a269; font-weight: 600; }
`;

const MARKUP = `
<div class="frc" role="group" aria-labelledby="title">
  <span class="title" id="title">Anti-robot check</span>
  <div class="picture">
    <img part="image" alt="Captcha image: type the characters it shows" width="240" height="80">
    <button type="button" class="new" aria-label="New image">&#x21bb; New</button>
  </div>
  <label for="answer">Characters in the image</label>
  <div class="answer">
    <input id="answer" name="answer" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" aria-describedby="status">
    <button type="button" class="verify">Verify</button>
  </div>
  <p class="status" id="status" role="status" aria-live="polite"></p>
</div>`;

function scriptEndpoint(): string {
  const script = document.currentScript;
  return script instanceof HTMLScriptElement && script.src ? new URL(script.src).origin : window.location.origin;
}

const defaultEndpoint = scriptEndpoint();

class CaptchaWidget {
  private readonly image: HTMLImageElement;
  private readonly answer: HTMLInputElement;
  private readonly verifyButton: HTMLButtonElement;
  private readonly newButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly field: HTMLInputElement;
  private readonly endpoint: string;
  private challenge: string | undefined;
  private expiryTimer: number | undefined;
  private busy = false;

  constructor(readonly element: HTMLElement) {
    this.endpoint = (element.dataset.apiEndpoint ?? defaultEndpoint).replace(/\/+$/, '');
    const root = element.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>${MARKUP}`;
    this.image = query(root, 'img');
    this.answer = query(root, 'input');
    this.verifyButton = query(root, '.verify');
    this.newButton = query(root, '.new');
    this.status = query(root, '.status');
    // The token field lives in the light DOM so the surrounding form submits it.
    this.field = element.querySelector<HTMLInputElement>(`input[name="${RESPONSE_FIELD}"]`) ?? createField(element);

    this.verifyButton.addEventListener('click', () => void this.verify());
    this.newButton.addEventListener('click', () => void this.reset());
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

  /** Forgets any token and shows a fresh image. */
  async reset(message = ''): Promise<void> {
    this.setToken('', 0);
    this.answer.value = '';
    this.answer.readOnly = false;
    this.verifyButton.disabled = false;
    this.answer.removeAttribute('aria-invalid');
    await this.load(message);
  }

  private async load(message = ''): Promise<void> {
    this.challenge = undefined;
    this.say(message || 'Loading image…', message ? 'error' : '');
    try {
      const reply = await this.post<ChallengeReply>('challenge', {});
      this.challenge = reply.challenge;
      this.image.src = reply.image;
      this.say(message, message ? 'error' : '');
    } catch (error) {
      this.say(`Could not load an image (${describe(error)}). Use "New" to try again.`, 'error');
    }
  }

  private async verify(): Promise<void> {
    if (this.busy) return;
    const answer = this.answer.value.trim();
    if (!this.challenge) return void this.load();
    if (answer === '') {
      this.answer.setAttribute('aria-invalid', 'true');
      this.say('Type the characters you see in the image.', 'error');
      this.answer.focus();
      return;
    }
    this.busy = true;
    this.verifyButton.disabled = true;
    try {
      const reply = await this.post<SolveReply>('solve', { challenge: this.challenge, answer });
      if (reply.solved) {
        this.setToken(reply.response, Date.parse(reply.expiresAt));
        // Read-only rather than disabled, so keyboard focus stays here and Tab moves on to the form.
        this.answer.readOnly = true;
        this.answer.removeAttribute('aria-invalid');
        this.say('Verified. You can submit the form.', 'done');
        this.element.dispatchEvent(new CustomEvent('frc:solved', { bubbles: true }));
      } else {
        const message =
          reply.error.code === 'wrong_answer' ? 'Wrong characters. Here is a new image.' : 'That image expired. Here is a new one.';
        this.answer.value = '';
        this.answer.setAttribute('aria-invalid', 'true');
        this.verifyButton.disabled = false;
        await this.load(message);
        this.answer.focus();
      }
    } catch (error) {
      this.verifyButton.disabled = false;
      this.say(`Could not verify (${describe(error)}). Try again.`, 'error');
    } finally {
      this.busy = false;
    }
  }

  private setToken(token: string, expiresAt: number): void {
    this.field.value = token;
    window.clearTimeout(this.expiryTimer);
    if (token !== '') {
      const delay = Math.max(0, expiresAt - Date.now() - EXPIRY_MARGIN_MS);
      this.expiryTimer = window.setTimeout(() => {
        this.element.dispatchEvent(new CustomEvent('frc:expired', { bubbles: true }));
        void this.reset('The check expired. Please solve this new image.');
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
