import { inflateSync } from 'node:zlib';

export interface DecodedGray {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  /** One gray level per pixel, 0 (black) to 2^bitDepth - 1 (white). */
  readonly levels: Uint8Array;
}

/**
 * Decodes a grayscale PNG written without row filters, checking every chunk
 * CRC on the way: enough to prove the renderer's files are well formed and
 * to count their ink.
 */
export function decodeGrayPng(png: Buffer): DecodedGray {
  const signature = '89504e470d0a1a0a';
  if (png.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG');
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    if (type === 'IEND') break;
  }
  if (!header) throw new Error('no IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header.readUInt8(8);
  const colorType = header.readUInt8(9);
  const raw = inflateSync(Buffer.concat(data));
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  if (raw.length !== (rowBytes + 1) * height) throw new Error('IDAT size does not match the header');
  const levels = new Uint8Array(width * height);
  const mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    if (raw[y * (rowBytes + 1)] !== 0) throw new Error('unexpected row filter');
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const byte = raw[y * (rowBytes + 1) + 1 + (bit >> 3)] ?? 0;
      levels[y * width + x] = (byte >> (8 - bitDepth - (bit & 7))) & mask;
    }
  }
  return { width, height, bitDepth, colorType, levels };
}

/** Share of pixels darker than mid-gray. */
export function inkShare(image: DecodedGray): number {
  const mid = ((1 << image.bitDepth) - 1) / 2;
  let ink = 0;
  for (const level of image.levels) if (level < mid) ink++;
  return ink / image.levels.length;
}
