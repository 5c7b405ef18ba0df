import { randomBytes } from 'node:crypto';

/**
 * CSPRNG bytes drawn in blocks, as crypto.randomUUID does: one randomBytes
 * call per 4 KB instead of one per id (it was 4–5% of an issue's or a solve's
 * CPU). Each byte is handed out once: a new block is drawn, never refilled in
 * place, so a slice handed out earlier never changes.
 */
const BLOCK_BYTES = 4096;
let block = Buffer.alloc(0);
let offset = 0;

export function secureRandomBytes(count: number): Buffer {
  if (count > BLOCK_BYTES) return randomBytes(count);
  if (offset + count > block.length) {
    block = randomBytes(BLOCK_BYTES);
    offset = 0;
  }
  const bytes = block.subarray(offset, offset + count);
  offset += count;
  return bytes;
}
