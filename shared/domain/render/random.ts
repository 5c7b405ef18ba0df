import { randomBytes } from 'node:crypto';

/**
 * A small seeded generator (sfc32) for the distortion of one image. It only
 * shapes the picture; the answer and ids come from the CSPRNG. A fixed seed
 * gives the same image bit for bit, which is what tests pin.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Either -1 or 1. */
  sign(): number;
}

export const SEED_BYTES = 16;

export function newSeed(): Buffer {
  return randomBytes(SEED_BYTES);
}

export function seededRandom(seed: Uint8Array): Random {
  if (seed.length < SEED_BYTES) throw new RangeError(`seed needs ${SEED_BYTES} bytes`);
  const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12);
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  // Discard the first outputs: sfc32 mixes poorly right after seeding.
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    sign: () => (next() < 0.5 ? -1 : 1),
  };
}
