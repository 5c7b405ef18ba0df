import type { PuzzleChallenge, PuzzlePayload } from '../shared/domain/pow/puzzle.js';
import { solvePuzzle } from '../services/api/widget/pow-solver.js';
import type { CaptchaAnswers } from './captcha-answers.js';
import { call } from './api-client.js';
import { SITE_ORIGIN } from './token-api.js';

/** Solves a puzzle as the widget does (one solver trying every counter), with the widget's own solver. */
export async function solveForTest(challenge: PuzzleChallenge, work: number): Promise<PuzzlePayload> {
  const { salt, nonce, keyPrefix } = challenge.parameters;
  const solution = await solvePuzzle({ salt, nonce, keyPrefix, start: 0, step: 1, end: Math.ceil(work * 1.5) + 1 });
  if (!solution) throw new Error('no solution found');
  return { challenge, solution };
}

/** A solved puzzle as the widget posts it: base64 JSON of `{challenge, solution}`. */
export function encodeProof(payload: PuzzlePayload): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

/**
 * Plays the widget in a pow mode: fetches a challenge, solves its puzzle,
 * answers a step-up image if one came (reading the answer from Redis), and
 * returns the response token.
 */
export async function proveWidget(base: string, answers: CaptchaAnswers, sitekey: string, origin = SITE_ORIGIN): Promise<string> {
  const challenge = await call(`${base}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: origin } });
  const reply = challenge.json as { puzzle?: PuzzleChallenge; work: number; image?: string };
  if (challenge.status !== 200 || !reply.puzzle) throw new Error(`challenge: ${challenge.status} ${JSON.stringify(challenge.json)}`);
  const fields: Record<string, string> = { puzzle: encodeProof(await solveForTest(reply.puzzle, reply.work)) };
  if (reply.image !== undefined) fields.answer = await answers.answerOf(String(reply.puzzle.parameters.data?.image));
  const proved = await call(`${base}/api/v2/widget/${sitekey}/proof`, { method: 'POST', headers: { Origin: origin }, body: new URLSearchParams(fields) });
  const body = proved.json as { solved: boolean; response?: string };
  if (!body.solved || !body.response) throw new Error(`proof: ${JSON.stringify(proved.json)}`);
  return body.response;
}
