import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { call } from '../../tooling/api-client.js';
import { siteverify } from '../../tooling/token-api.js';

/** One request of the load, for the timeline. */
export interface LoadEvent {
  readonly at: number;
  readonly step: 'issue' | 'check' | 'recheck' | 'challenge' | 'solve' | 'siteverify' | 'reverify';
  readonly status: number;
  /** Whether the answer was a success (a right captcha, a verified token). */
  readonly success: boolean;
}

export interface LoadReport {
  readonly events: readonly LoadEvent[];
  /** Requests answered with anything but the expected answer or a 503 (a false "wrong", a 500, a timeout). */
  readonly unexpected: readonly string[];
  /** Captcha ids and tokens that succeeded more than once, over the run and the final sweep. */
  readonly doubleSuccesses: readonly string[];
  readonly lifecycles: number;
  readonly count503: number;
  /** From the fault to the last failed request (ms), or 0 when nothing failed. */
  readonly recoveryMs: number;
  /** From the fault to the first failed request and to the first success after it (ms). */
  readonly firstFailureMs: number;
}

export interface SteadyLoad {
  /** Marks the moment of the fault, for the timeline. */
  fault(): void;
  /**
   * Stops the clients, then sweeps: every captcha and token that ever
   * succeeded, and every one whose check got a 503, is tried once more, and
   * must not succeed a second time.
   */
  stop(): Promise<LoadReport>;
}

export interface SteadyLoadOptions {
  /** API base URLs: client i goes to bases[i % length]. */
  readonly bases: readonly string[];
  readonly answers: CaptchaAnswers;
  readonly clients?: number;
  /** With a site, every other lifecycle is the widget's: challenge, solve, siteverify, and siteverify again. */
  readonly site?: { sitekey: string; apiKey: string; origin: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clients that go through whole lifecycles back to back, through the API:
 * issue a captcha, read its answer as a person would, check it, and check it
 * again (which must fail); or the same for a widget token and siteverify.
 * Every answer must be the right one or a 503; none may succeed twice.
 */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const events: LoadEvent[] = [];
  const unexpected: string[] = [];
  const successes = new Map<string, number>();
  const checkedUnknown = new Set<string>();
  const verifiedTokens = new Set<string>();
  const unknownTokens = new Set<string>();
  let faultAt: number | undefined;
  let stopping = false;
  let lifecycles = 0;
  const started = Date.now();
  const log = (step: LoadEvent['step'], status: number, success: boolean): void => {
    events.push({ at: Date.now(), step, status, success });
  };
  const succeeded = (what: string): void => {
    successes.set(what, (successes.get(what) ?? 0) + 1);
  };
  const request = async (url: string, init: RequestInit = {}) =>
    call(url, init).catch((error: unknown) => ({ status: 0, json: { error: String(error) }, headers: new Headers(), bytes: Buffer.alloc(0) }));
  const expectOr503 = (step: LoadEvent['step'], status: number, expected: number, json: unknown): boolean => {
    if (status === expected) return true;
    if (status !== 503) unexpected.push(`${step}: ${status} ${JSON.stringify(json)} at +${Date.now() - started} ms`);
    return false;
  };
  const { bases, answers } = options;
  const sweepBase = bases[0];

  const classic = async (base: string): Promise<void> => {
    const issued = await request(`${base}/3.0/captcha`);
    log('issue', issued.status, issued.status === 200);
    if (!expectOr503('issue', issued.status, 200, issued.json)) return;
    const id = (issued.json as { response: { captchaResponse: { imageHash: string } } }).response.captchaResponse.imageHash;
    const answer = await answers.answerOf(id).catch(() => undefined);
    if (answer === undefined) return; // the test's own reader could not reach Redis: not the service's answer
    const check = await request(`${base}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
    const right = check.status === 200 && JSON.stringify(check.json).includes('"testCaptchaResponse":"1"');
    log('check', check.status, right);
    if (right) succeeded(`captcha ${id}`);
    else {
      if (check.status === 503) checkedUnknown.add(`${id}/${answer}`);
      expectOr503('check', check.status, 200, check.json);
      return;
    }
    const again = await request(`${base}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
    log('recheck', again.status, again.status === 200);
    if (again.status === 200) succeeded(`captcha ${id}`);
    else expectOr503('recheck', again.status, 401, again.json);
    checkedUnknown.add(`${id}/${answer}`);
    lifecycles++;
  };

  const widget = async (base: string, site: NonNullable<SteadyLoadOptions['site']>): Promise<void> => {
    const challenge = await request(`${base}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: site.origin } });
    log('challenge', challenge.status, challenge.status === 200);
    if (!expectOr503('challenge', challenge.status, 200, challenge.json)) return;
    const id = (challenge.json as { challenge: string }).challenge;
    const answer = await answers.answerOf(id).catch(() => undefined);
    if (answer === undefined) return;
    const solved = await request(`${base}/api/v2/widget/${site.sitekey}/solve`, {
      method: 'POST',
      headers: { Origin: site.origin },
      body: new URLSearchParams({ challenge: id, answer }),
    });
    const reply = solved.json as { solved?: boolean; response?: string } | undefined;
    log('solve', solved.status, reply?.solved === true);
    if (!expectOr503('solve', solved.status, 200, solved.json)) return;
    if (!reply?.solved || !reply.response) {
      unexpected.push(`solve: a right answer was refused: ${JSON.stringify(solved.json)}`);
      return;
    }
    const token = reply.response;
    const verify = async (step: 'siteverify' | 'reverify') => {
      const result = await siteverify(base, site.apiKey, { response: token }).catch(() => ({ status: 0, json: undefined }));
      const success = (result.json as { success?: boolean } | undefined)?.success === true;
      log(step, result.status, success);
      if (success) succeeded(`token ${token.slice(-16)}`);
      return { ...result, success };
    };
    const first = await verify('siteverify');
    if (!first.success) {
      if (first.status === 503) unknownTokens.add(token);
      expectOr503('siteverify', first.status, 200, first.json);
      return;
    }
    verifiedTokens.add(token);
    // A verified token verifies once: again, it is a duplicate (200, success false) or, while Redis is away, a 503.
    const second = await verify('reverify');
    if (!second.success) expectOr503('reverify', second.status, 200, second.json);
    lifecycles++;
  };

  const loops = Array.from({ length: options.clients ?? 4 }, async (_, index) => {
    for (let round = 0; !stopping; round++) {
      const base = bases[index % bases.length];
      if (options.site && (round + index) % 2 === 1) await widget(base, options.site);
      else await classic(base);
      // Pace a little, so the load is steady rather than a flood the 2 cores cannot keep up with.
      await sleep(20);
    }
  });

  return {
    fault() {
      faultAt = Date.now();
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
      // The sweep: nothing that succeeded (or may have) succeeds again.
      for (const entry of checkedUnknown) {
        const [id, answer] = entry.split('/') as [string, string];
        const again = await request(`${sweepBase}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
        if (again.status === 200) succeeded(`captcha ${id}`);
      }
      if (options.site) {
        for (const token of [...verifiedTokens, ...unknownTokens]) {
          const again = await siteverify(sweepBase, options.site.apiKey, { response: token });
          if ((again.json as { success?: boolean } | undefined)?.success === true) succeeded(`token ${token.slice(-16)}`);
        }
      }
      const fault = faultAt ?? started;
      const failures = events.filter((event) => event.at >= fault && !event.success && event.status !== 401 && event.step !== 'reverify' && event.step !== 'recheck');
      return {
        events,
        unexpected,
        doubleSuccesses: [...successes].filter(([, count]) => count > 1).map(([what, count]) => `${what} ×${count}`),
        lifecycles,
        count503: events.filter((event) => event.status === 503).length,
        recoveryMs: failures.length > 0 ? failures[failures.length - 1].at - fault : 0,
        firstFailureMs: failures.length > 0 ? failures[0].at - fault : 0,
      };
    },
  };
}

/** Waits while the load runs, so a test reads as a timeline. */
export const during = sleep;
