/**
 * What the widget tells the page, named as Friendly Captcha v2 names it so
 * code written for that widget keeps working: the DOM events
 * `frc:widget.complete` (detail.response is the token), `frc:widget.error`
 * (detail.error has a code and a detail) and `frc:widget.expire`, all
 * bubbling from the `.frc-captcha` element; and `data-callback`, the name of
 * a global function called with the token. `frc:solved` and `frc:expired`,
 * this widget's own earlier names, still fire.
 */

export type WidgetState = 'completed' | 'error' | 'expired';

export interface WidgetEventDetail {
  readonly name: string;
  readonly state: WidgetState;
  readonly response?: string;
  readonly error?: { readonly code: string; readonly detail: string };
}

function emit(element: HTMLElement, name: string, detail: WidgetEventDetail): void {
  element.dispatchEvent(new CustomEvent<WidgetEventDetail>(name, { bubbles: true, detail }));
}

/** The function `data-callback` names, looked up on window when called (a dotted path like `app.onCaptcha` works too). */
function callbackOf(element: HTMLElement): ((response: string) => unknown) | undefined {
  const path = element.dataset.callback?.trim();
  if (!path) return undefined;
  let found: unknown = window;
  for (const part of path.split('.')) {
    if ((typeof found !== 'object' && typeof found !== 'function') || found === null) return undefined;
    found = (found as Record<string, unknown>)[part];
  }
  return typeof found === 'function' ? (found as (response: string) => unknown) : undefined;
}

export function emitComplete(element: HTMLElement, response: string): void {
  emit(element, 'frc:widget.complete', { name: 'frc:widget.complete', state: 'completed', response });
  element.dispatchEvent(new CustomEvent('frc:solved', { bubbles: true }));
  const callback = callbackOf(element);
  // Called on its own task: a callback that throws is reported by the browser and leaves the widget alone.
  if (callback) window.setTimeout(() => callback(response));
}

export function emitError(element: HTMLElement, code: string, detail: string): void {
  emit(element, 'frc:widget.error', { name: 'frc:widget.error', state: 'error', error: { code, detail } });
}

export function emitExpire(element: HTMLElement): void {
  emit(element, 'frc:widget.expire', { name: 'frc:widget.expire', state: 'expired' });
  element.dispatchEvent(new CustomEvent('frc:expired', { bubbles: true }));
}

/** An error answer of the service, with its code (`sitekey_unknown`, `origin_not_allowed`, …). */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The code an error event carries: the service's own, or `network_error` when no answer came. */
export function errorCode(error: unknown): string {
  return error instanceof ServiceError ? error.code : 'network_error';
}
