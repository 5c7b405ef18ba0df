import { z } from 'zod';
import { badRequest } from '../../../shared/domain/errors.js';

/** A challenge id is a few dozen characters and an answer a handful; longer values are not ours. */
const solveFields = z.object({ challenge: z.string().max(128), answer: z.string().max(64) });

/** The body of POST /api/v2/widget/<sitekey>/solve: the challenge's id and the visitor's answer. */
export function parseSolveRequest(body: unknown): { challengeId: string; answer: string } {
  const parsed = solveFields.safeParse(body);
  if (!parsed.success) throw badRequest('Send `challenge` (the challenge id) and `answer` (the characters read), as strings.');
  return { challengeId: parsed.data.challenge, answer: parsed.data.answer };
}
