import { inflateSync } from 'node:zlib';

/** An 8-bit grayscale image: 0 is black ink, 255 white paper. */
export interface GrayPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Decodes the grayscale PNG the service serves (colour type 0, 1 to 8 bits,
 * not interlaced) into 8-bit gray, so the solver sees exactly the bytes a bot
 * would download. Every row filter is handled, in case the encoder changes.
 */
export function decodeGrayPng(png: Buffer): GrayPixels {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === 'IHDR') header = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  if (!header) throw new Error('PNG without IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header.readUInt8(8);
  if (header.readUInt8(9) !== 0 || bitDepth > 8 || header.readUInt8(12) !== 0) {
    throw new Error('expected a non-interlaced grayscale PNG of at most 8 bits');
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  if (raw.length < (rowBytes + 1) * height) throw new Error('PNG data is shorter than its header says');

  const rows = unfilter(raw, rowBytes, height, Math.max(1, bitDepth / 8));
  const maxLevel = (1 << bitDepth) - 1;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const level = ((rows[y * rowBytes + (bit >> 3)] ?? 0) >> (8 - bitDepth - (bit & 7))) & maxLevel;
      data[y * width + x] = Math.round((level * 255) / maxLevel);
    }
  }
  return { width, height, data };
}

function unfilter(raw: Buffer, rowBytes: number, height: number, bytesPerPixel: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= bytesPerPixel ? (out[row + i - bytesPerPixel] ?? 0) : 0;
      const up = y > 0 ? (out[row - rowBytes + i] ?? 0) : 0;
      const upLeft = y > 0 && i >= bytesPerPixel ? (out[row - rowBytes + i - bytesPerPixel] ?? 0) : 0;
      let predicted: number;
      switch (filter) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = left;
          break;
        case 2:
          predicted = up;
          break;
        case 3:
          predicted = (left + up) >> 1;
          break;
        case 4:
          predicted = paeth(left, up, upLeft);
          break;
        default:
          throw new Error(`unknown PNG row filter ${String(filter)}`);
      }
      out[row + i] = ((raw[src + i] ?? 0) + predicted) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
