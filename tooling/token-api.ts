import type { Config } from '../shared/runtime/config.js';
import { createRedisClient } from '../shared/adapters/redis/client.js';
import { redisSiteAdmin } from '../shared/adapters/redis/redis-site-admin.js';
import type { SiteAdmin } from '../shared/domain/sites/site-admin.js';
import type { CaptchaAnswers } from './captcha-answers.js';
import { call } from './api-client.js';

export const SITE_ORIGIN = 'https://shop.example';

/** The admin operations against the test's Redis, as an operator would run them. */
export async function withAdmin<T>(config: Config, use: (admin: SiteAdmin) => Promise<T>): Promise<T> {
  const redis = createRedisClient(config, { failFast: false });
  try {
    return await use(redisSiteAdmin(redis, config, 'cli'));
  } finally {
    await redis.quit();
  }
}

export async function createSite(config: Config, origins = [SITE_ORIGIN]): Promise<{ sitekey: string; apiKey: string; accountId: string }> {
  return withAdmin(config, async (admin) => {
    const { site, key } = await admin.createSite({ name: 'shop', origins });
    if (!key) throw new Error('no key');
    return { sitekey: site.sitekey, apiKey: key.apiKey, accountId: site.accountId };
  });
}

/** Plays the widget: fetches a challenge, reads its answer, solves it, returns the response token. */
export async function solveWidget(
  base: string,
  answers: CaptchaAnswers,
  sitekey: string,
  origin = SITE_ORIGIN,
): Promise<string> {
  const challenge = await call(`${base}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: origin } });
  if (challenge.status !== 200) throw new Error(`challenge: ${challenge.status} ${JSON.stringify(challenge.json)}`);
  const id = (challenge.json as { challenge: string }).challenge;
  const answer = await answers.answerOf(id);
  const solved = await call(`${base}/api/v2/widget/${sitekey}/solve`, {
    method: 'POST',
    headers: { Origin: origin },
    body: new URLSearchParams({ challenge: id, answer }),
  });
  const reply = solved.json as { solved: boolean; response?: string };
  if (!reply.solved || !reply.response) throw new Error(`solve: ${JSON.stringify(solved.json)}`);
  return reply.response;
}

export function siteverify(base: string, apiKey: string | undefined, body: Record<string, string>, encoding: 'json' | 'form' | 'multipart' = 'json') {
  const headers: Record<string, string> = apiKey === undefined ? {} : { 'X-API-Key': apiKey };
  let payload: BodyInit;
  if (encoding === 'json') {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  } else if (encoding === 'form') {
    payload = new URLSearchParams(body);
  } else {
    const form = new FormData();
    for (const [name, value] of Object.entries(body)) form.set(name, value);
    payload = form;
  }
  return call(`${base}/api/v2/captcha/siteverify`, { method: 'POST', headers, body: payload });
}

