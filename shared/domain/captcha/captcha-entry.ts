import { DIFFICULTIES, type Difficulty } from './difficulty.js';

/**
 * A rendered captcha as it sits in the pool and under its issued id: the
 * answer, its difficulty, the PNG and optional binding data, packed into one
 * binary string so issuing, showing and checking are one command each.
 *
 * Layout: version u8 | difficulty u8 | answer length u8 | answer | png length u32 | png | binding
 *
 * The binding is simply the rest of the string, so issuing a pooled entry
 * (which has none) with a binding is an append that a Redis script can do.
 */
export interface CaptchaEntry {
  readonly answer: string;
  /** The level it was drawn at, for solve-rate and solve-time telemetry. */
  readonly difficulty: Difficulty;
  readonly png: Buffer;
  /** Opaque context the issuer attaches (for example site and origin); empty for the classic API. */
  readonly binding: string;
}

const VERSION = 3;
const HEADER_BYTES = 7;
export const MAX_BINDING_BYTES = 4096;

export function encodeEntry(entry: CaptchaEntry): Buffer {
  const answer = Buffer.from(entry.answer, 'utf8');
  if (answer.length > 255) throw new RangeError('answer too long');
  const header = Buffer.alloc(HEADER_BYTES + answer.length);
  header.writeUInt8(VERSION, 0);
  header.writeUInt8(DIFFICULTIES.indexOf(entry.difficulty), 1);
  header.writeUInt8(answer.length, 2);
  answer.copy(header, 3);
  header.writeUInt32BE(entry.png.length, 3 + answer.length);
  return Buffer.concat([header, entry.png, encodeBinding(entry.binding)]);
}

/** The bytes to append to a pooled entry to bind it. */
export function encodeBinding(binding: string): Buffer {
  return Buffer.from(checkBinding(binding), 'utf8');
}

/** A binding as it is, once known to fit in an entry (a store that appends it as text takes it so). */
export function checkBinding(binding: string): string {
  if (Buffer.byteLength(binding, 'utf8') > MAX_BINDING_BYTES) throw new RangeError('binding too long');
  return binding;
}

/** Undefined for anything that is not a well-formed entry (never throws on stored data). */
export function decodeEntry(data: Buffer): CaptchaEntry | undefined {
  if (data.length < HEADER_BYTES || data.readUInt8(0) !== VERSION) return undefined;
  const difficulty = DIFFICULTIES[data.readUInt8(1)];
  if (difficulty === undefined) return undefined;
  const answerLength = data.readUInt8(2);
  const pngAt = 3 + answerLength + 4;
  if (data.length < pngAt) return undefined;
  const bindingAt = pngAt + data.readUInt32BE(3 + answerLength);
  if (data.length < bindingAt) return undefined;
  return {
    answer: data.subarray(3, 3 + answerLength).toString('utf8'),
    difficulty,
    png: data.subarray(pngAt, bindingAt),
    binding: data.subarray(bindingAt).toString('utf8'),
  };
}
