import { createHmac, randomInt } from 'node:crypto';
import { createChallenge, verifySolution, type Challenge, type ChallengeParameters, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '../clock.js';
import { MAX_POW_WORK, MIN_POW_WORK } from './pow-policy.js';

/** What a puzzle is bound to, inside its signature. */
export interface PuzzleBinding {
  readonly sitekey: string;
  readonly origin: string;
  /** Id of the image captcha that must be answered with this puzzle (pow+image's step-up); '' for none. */
  readonly image: string;
}

/** What a genuine puzzle says about itself. */
export interface PuzzleClaims extends PuzzleBinding {
  /** Its random nonce: the single-use marker's name. */
  readonly id: string;
  /** Average SHA-256 hashes it takes to solve. */
  readonly work: number;
  /** ms since the epoch (whole seconds, as the format carries them). */
  readonly expiresAt: number;
}

/** A signed ALTCHA v2 challenge, as the widget gets it and sends it back. */
export type PuzzleChallenge = Required<Pick<Challenge, 'parameters' | 'signature'>>;

/** What the widget submits: the challenge it was given and the counter it found. */
export interface PuzzlePayload {
  readonly challenge: { readonly parameters: ChallengeParameters; readonly signature: string };
  readonly solution: Solution;
}

export type PuzzleCheck =
  | { readonly ok: true; readonly claims: PuzzleClaims }
  /** forged: not signed by us, or not a puzzle of ours; expired: past its lifetime; unsolved: a wrong answer. */
  | { readonly ok: false; readonly reason: 'forged' | 'expired' | 'unsolved' };

const ALGORITHM = 'SHA-256';

/**
 * Proof-of-work puzzles in ALTCHA's v2 format (altcha-lib), SHA-256 in
 * "deterministic" mode: the server picks a secret counter, the puzzle shows
 * the first 16 bytes of SHA-256(salt ‖ nonce ‖ counter), and the client finds
 * the counter by trying 0, 1, 2… The parameters (with the site, page origin,
 * work and any step-up image in `data`, and the expiry) are HMAC-signed, and
 * the full hash is signed apart, so checking a solution is two HMACs and no
 * hashing. Both keys derive from the token secret. Single use is the caller's
 * job (the nonce is the id).
 */
export class PowPuzzles {
  private readonly signatureKey: string;
  private readonly keySignatureKey: string;

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {
    this.signatureKey = derive(secret, 'pow challenge signature v1');
    this.keySignatureKey = derive(secret, 'pow key signature v1');
  }

  async create(binding: PuzzleBinding, work: number): Promise<{ challenge: PuzzleChallenge; claims: PuzzleClaims }> {
    const average = Math.round(Math.min(MAX_POW_WORK, Math.max(MIN_POW_WORK, work)));
    // Uniform around the average: no puzzle is free, and the slowest takes 1.5 times the average.
    const counter = randomInt(Math.ceil(average / 2), Math.floor((average * 3) / 2) + 1);
    const expiresAt = Math.floor(this.clock.now() / 1000) + this.ttlSeconds;
    const challenge = await createChallenge({
      algorithm: ALGORITHM,
      cost: 1,
      counter,
      deriveKey,
      expiresAt,
      data: { sitekey: binding.sitekey, origin: binding.origin, image: binding.image, work: average },
      hmacSignatureSecret: this.signatureKey,
      hmacKeySignatureSecret: this.keySignatureKey,
    });
    if (challenge.signature === undefined) throw new Error('altcha-lib returned an unsigned challenge');
    const claims = claimsOf(challenge.parameters);
    if (!claims) throw new Error('altcha-lib returned a challenge without our claims');
    return { challenge: { parameters: challenge.parameters, signature: challenge.signature }, claims };
  }

  /** Checks signature, expiry and solution; says nothing about reuse. */
  async check(payload: PuzzlePayload): Promise<PuzzleCheck> {
    const claims = claimsOf(payload.challenge.parameters);
    if (!claims || payload.challenge.parameters.algorithm !== ALGORITHM) return { ok: false, reason: 'forged' };
    // Our clock first (tests move it); altcha-lib checks the same expiry against the system clock.
    if (this.clock.now() >= claims.expiresAt) return { ok: false, reason: 'expired' };
    const result = await verifySolution({
      challenge: { parameters: payload.challenge.parameters, signature: payload.challenge.signature },
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: this.signatureKey,
      hmacKeySignatureSecret: this.keySignatureKey,
    });
    if (result.verified) return { ok: true, claims };
    if (result.invalidSignature) return { ok: false, reason: 'forged' };
    return { ok: false, reason: result.expired ? 'expired' : 'unsolved' };
  }
}

function derive(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('hex');
}

function claimsOf(parameters: ChallengeParameters): PuzzleClaims | undefined {
  const { sitekey, origin, image, work } = parameters.data ?? {};
  if (typeof sitekey !== 'string' || typeof origin !== 'string' || typeof image !== 'string' || typeof work !== 'number') return undefined;
  if (typeof parameters.expiresAt !== 'number' || !/^[0-9a-f]{32}$/.test(parameters.nonce)) return undefined;
  return { id: parameters.nonce, sitekey, origin, image, work, expiresAt: parameters.expiresAt * 1000 };
}
