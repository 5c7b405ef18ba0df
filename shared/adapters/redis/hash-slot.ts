/** Slots of a Redis Cluster: every key belongs to one, by its hash tag. */
export const HASH_SLOTS = 16_384;

const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** The Cluster slot of a hash tag (or of a key without one): CRC16/XMODEM of its bytes, mod 16384, as Redis computes it. */
export function hashSlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag, 'utf8')) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc % HASH_SLOTS;
}
