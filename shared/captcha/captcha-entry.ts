/**
 * A rendered captcha as it sits in the pool and under its issued id: the
 * answer, optional binding data (used by the token API) and the PNG, packed
 * into one binary string so issuing, showing and checking are one command each.
 *
 * Layout: version u8 | answer length u8 | answer | binding length u16 | binding | png
 */
export interface CaptchaEntry {
  readonly answer: string;
  readonly png: Buffer;
  /** Opaque context the issuer attaches (for example site and origin); empty for the classic API. */
  readonly binding: string;
}

const VERSION = 1;

export function encodeEntry(entry: CaptchaEntry): Buffer {
  const answer = Buffer.from(entry.answer, 'utf8');
  const binding = Buffer.from(entry.binding, 'utf8');
  if (answer.length > 255) throw new RangeError('answer too long');
  if (binding.length > 65_535) throw new RangeError('binding too long');
  const header = Buffer.alloc(4 + answer.length);
  header.writeUInt8(VERSION, 0);
  header.writeUInt8(answer.length, 1);
  answer.copy(header, 2);
  header.writeUInt16BE(binding.length, 2 + answer.length);
  return Buffer.concat([header, binding, entry.png]);
}

/** Undefined for anything that is not a well-formed entry (never throws on stored data). */
export function decodeEntry(data: Buffer): CaptchaEntry | undefined {
  if (data.length < 4 || data.readUInt8(0) !== VERSION) return undefined;
  const answerLength = data.readUInt8(1);
  const bindingAt = 2 + answerLength + 2;
  if (data.length < bindingAt) return undefined;
  const bindingLength = data.readUInt16BE(2 + answerLength);
  const pngAt = bindingAt + bindingLength;
  if (data.length < pngAt) return undefined;
  return {
    answer: data.subarray(2, 2 + answerLength).toString('utf8'),
    binding: data.subarray(bindingAt, pngAt).toString('utf8'),
    png: data.subarray(pngAt),
  };
}
