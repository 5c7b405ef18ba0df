import { z } from 'zod';
import { badRequest } from '../../../shared/domain/errors.js';
import type { PuzzlePayload } from '../../../shared/domain/pow/puzzle.js';

/** A solved puzzle is a few hundred bytes; anything much longer is not one. */
export const MAX_PUZZLE_LENGTH = 4096;

const hex = (max: number) => z.string().max(max).regex(/^[0-9a-f]+$/, 'lower-case hex');
const integer = z.number().int().min(0).max(2 ** 32 - 1);

/**
 * ALTCHA v2 challenge parameters, exactly: every field a signed challenge of
 * ours can carry and no other, since the signature covers them all.
 */
const parameters = z
  .object({
    algorithm: z.string().max(32),
    cost: integer,
    data: z.record(z.string().max(32), z.union([z.string().max(512), z.number(), z.boolean(), z.null()])).optional(),
    expiresAt: integer.optional(),
    keyLength: integer,
    keyPrefix: hex(128),
    keySignature: hex(128).optional(),
    memoryCost: integer.optional(),
    nonce: hex(64),
    parallelism: integer.optional(),
    salt: hex(64),
  })
  .strict();

const payload = z
  .object({
    challenge: z.object({ parameters, signature: hex(128) }).strict(),
    solution: z.object({ counter: integer, derivedKey: hex(128), time: z.number().nonnegative().optional() }).strict(),
  })
  .strict();

const proofFields = z.object({
  puzzle: z.string().min(1).max(MAX_PUZZLE_LENGTH).regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'base64'),
  answer: z.string().max(64).optional(),
});

/**
 * The body of POST /api/v2/widget/<sitekey>/proof: `puzzle`, the solved
 * challenge as base64 JSON (`{challenge, solution}`, as ALTCHA's widget sends
 * it), and `answer` when the puzzle came with a step-up image. Throws a 400
 * for anything else.
 */
export function parseProof(body: unknown): { payload: PuzzlePayload; answer: string | undefined } {
  const fields = proofFields.safeParse(body);
  if (!fields.success) throw badRequest('Send `puzzle` (the solved puzzle, base64 JSON) and, with a step-up image, `answer`.');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(fields.data.puzzle, 'base64').toString('utf8'));
  } catch {
    throw badRequest('`puzzle` is not base64-encoded JSON.');
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) throw badRequest('`puzzle` is not a solved puzzle of this service.');
  return { payload: parsed.data, answer: fields.data.answer };
}
