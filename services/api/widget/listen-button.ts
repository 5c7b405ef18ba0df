/**
 * The widget's audio alternative: a "Listen" button beside the image that
 * fetches the current challenge spoken (a small WAV file made afresh on every
 * request, never consuming the challenge) and plays it. Listening again
 * fetches a new recording of the same characters.
 */

export const LISTEN_TEXT = {
  button: 'Listen to the characters',
  loading: 'Loading the audio…',
  playing: 'Playing the characters. Type what you hear.',
  failed: (reason: string) => `Could not play the audio (${reason}).`,
} as const;

export interface ListenOptions {
  /** Where the audio of a challenge is: `<endpoint>/api/v2/widget/<sitekey>/audio/<challenge>`. */
  audioUrl(challenge: string): string;
  /** The image challenge on show, if it can be listened to. */
  challenge(): string | undefined;
  /** Tells the user what is happening (the widget's live status line). */
  say(text: string, tone: '' | 'error'): void;
  /** The texts in the widget's language (default: English). */
  text?: { readonly button: string; readonly loading: string; readonly playing: string; failed(reason: string): string };
}

export interface ListenButton {
  readonly button: HTMLButtonElement;
  /** Shows the button only while there is a challenge to listen to, and stops any playback. */
  update(): void;
}

/** Puts the Listen button (and its audio element) on a line of its own right after `image` (the image's row). */
export function addListenButton(image: HTMLElement, options: ListenOptions): ListenButton {
  const text = options.text ?? LISTEN_TEXT;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'listen';
  button.append(speakerIcon(), text.button);
  button.style.marginTop = '6px';
  const audio = document.createElement('audio');
  audio.preload = 'none';
  image.after(button, audio);

  let objectUrl: string | undefined;
  let request = 0;
  const stop = (): void => {
    request++;
    audio.pause();
    audio.removeAttribute('src');
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = undefined;
  };

  button.addEventListener('click', () => {
    const challenge = options.challenge();
    if (!challenge) return;
    stop();
    const mine = request;
    options.say(text.loading, '');
    void (async () => {
      try {
        const response = await fetch(options.audioUrl(challenge), { method: 'POST', credentials: 'omit', mode: 'cors' });
        if (!response.ok) {
          const body = (await response.json().catch(() => ({}))) as { error?: { detail?: string } };
          throw new Error(body.error?.detail ?? `HTTP ${response.status}`);
        }
        const blob = await response.blob();
        if (mine !== request) return;
        objectUrl = URL.createObjectURL(blob);
        audio.src = objectUrl;
        await audio.play();
        // Playback can start late on a busy machine: by then the answer may be in, and its outcome on show.
        if (mine === request) options.say(text.playing, '');
      } catch (error) {
        if (mine === request) options.say(text.failed(error instanceof Error ? error.message : 'network error'), 'error');
      }
    })();
  });

  const update = (): void => {
    stop();
    button.hidden = options.challenge() === undefined;
  };
  update();
  return { button, update };
}

/** A small speaker drawn in the text colour (an SVG, so it needs no emoji font). */
function speakerIcon(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.style.verticalAlign = '-2px';
  svg.style.marginInlineEnd = '6px'; // its trailing side, so right-to-left languages mirror it
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M2 6h3l4-3.5v11L5 10H2z M11 5.5a3.5 3.5 0 0 1 0 5 M12.8 3.5a6 6 0 0 1 0 9');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.5');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}
