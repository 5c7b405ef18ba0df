import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { AppError, badRequest } from '../../../shared/domain/errors.js';
import type { Study } from '../../../shared/domain/study/study.js';
import type { RateLimitGate } from '../rate-limit.js';
import { DEMO_CONTENT_SECURITY_POLICY } from '../security-headers.js';

export interface StudyRoutesOptions {
  readonly study: Study;
  readonly parseBody: Middleware;
  readonly limit: RateLimitGate;
  /** The built page script, or undefined when it has not been built. */
  readonly script: Buffer | undefined;
}

const AnswerRequest = z.object({
  id: z.string().max(64),
  answer: z.string().max(32),
});

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Captcha reading study</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
img{display:block;width:360px;max-width:100%;height:auto;border:1px solid #ccc;border-radius:4px;margin:1rem 0}
input{font:inherit;font-size:1.25rem;letter-spacing:2px;text-transform:uppercase;padding:.3rem}
button{font:inherit;padding:.4rem 1rem;margin-left:.5rem}table{border-collapse:collapse;margin-top:1rem}
th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}:focus-visible{outline:3px solid #1a5fb4}[hidden]{display:none}</style></head>
<body><main>
<h1>Captcha reading study</h1>
<p>Read 30 captchas, as you would on a real site: type the characters you see and press Enter. They come from every
difficulty level, in random order; you see your own solve rate and time per level at the end. Your answers are counted
(anonymously, by level) in this service's metrics, so operators can see what people can read.</p>
<p id="progress" aria-live="polite">Loading…</p>
<img id="captcha" alt="Captcha image: type the characters it shows" width="240" height="80">
<form id="study" autocomplete="off">
  <label for="answer">Characters in the image</label><br>
  <input id="answer" name="answer" autocapitalize="characters" spellcheck="false" maxlength="16" required>
  <button type="submit">Next</button>
</form>
<p id="status" role="status"></p>
<div id="summary"></div>
</main><script src="/demo/study.js" defer></script></body></html>`;

/** /demo/study: operators measure, on their own staff, what people read at each difficulty. */
export function studyRoutes({ study, parseBody, limit, script }: StudyRoutesOptions): Router {
  const router = new Router();

  router.get('/demo/study', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', DEMO_CONTENT_SECURITY_POLICY);
    ctx.type = 'html';
    ctx.body = PAGE;
  });

  router.get('/demo/study.js', (ctx) => {
    if (!script) throw new AppError('widget_not_built', 'Run `npm run build` to build the study page.');
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = script;
  });

  router.post('/demo/study/captcha', limit('issue'), async (ctx) => {
    const { id, png } = await study.next();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { id, image: `data:image/png;base64,${png.toString('base64')}` };
  });

  router.post('/demo/study/answer', limit('solve'), parseBody, async (ctx) => {
    const request = AnswerRequest.safeParse(ctx.request.body);
    if (!request.success) throw badRequest('Send "id" and "answer" as strings.');
    const result = await study.answer(request.data.id, request.data.answer);
    if (!result) throw new AppError('captcha_not_found', 'No live study captcha has this id; load another.');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { correct: result.correct, difficulty: result.difficulty, seconds: Math.round(result.seconds * 10) / 10 };
  });

  return router;
}
