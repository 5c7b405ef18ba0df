import { createHash } from 'node:crypto';
import { HASH_SLOTS, hashSlot } from './hash-slot.js';

/** Characters of a captcha id that form its key's hash tag. */
export const CAPTCHA_TAG_LENGTH = 4;

const shardTags = new Map<number, string>();

/** Slots a shard's tag may land in around its aim: narrow, so the first 64 shards' slots never collide. */
const SHARD_SLOT_WINDOW = 64;

/**
 * A pool shard's hash tag: a few hex characters. The API issues a captcha from
 * shard s under an id that starts with this tag, so the shard and the issued
 * captcha share a Redis Cluster slot and one script can move the entry across.
 *
 * Tags are chosen, not just hashed, so that shards spread evenly over a
 * Cluster's primaries: shard s aims at the slot at the bit-reversed fraction
 * of s (0, 1/2, 1/4, 3/4, 1/8, …) of the slot space, so the first N shards,
 * for any N, sit evenly spaced over all 16384 slots, and so over primaries
 * that own contiguous ranges (as `redis-cli --cluster create` and managed
 * services assign them): 16 shards fall 6/5/5 over 3 primaries.
 */
export function poolShardTag(shard: number): string {
  // Every issue names its shard's key and id: choose each shard's tag once, not per request.
  let tag = shardTags.get(shard);
  if (tag === undefined) {
    const aim = Math.floor(bitReversedFraction(shard) * HASH_SLOTS);
    const start = parseInt(createHash('sha256').update(`pool-shard:${shard}`).digest('hex').slice(0, CAPTCHA_TAG_LENGTH), 16);
    for (let step = 0; tag === undefined; step++) {
      const candidate = ((start + step) % 16 ** CAPTCHA_TAG_LENGTH).toString(16).padStart(CAPTCHA_TAG_LENGTH, '0');
      if ((hashSlot(candidate) - aim + HASH_SLOTS) % HASH_SLOTS < SHARD_SLOT_WINDOW) tag = candidate;
    }
    shardTags.set(shard, tag);
  }
  return tag;
}

/** 0 → 0, 1 → 1/2, 2 → 1/4, 3 → 3/4, 4 → 1/8, …: the van der Corput sequence, whose every prefix is evenly spread. */
function bitReversedFraction(index: number): number {
  let fraction = 0;
  for (let weight = 0.5, rest = index; rest > 0; weight /= 2, rest >>= 1) fraction += (rest & 1) * weight;
  return fraction;
}

/**
 * Every Redis key name the product uses. Each pool shard has its own hash tag,
 * and a captcha key is tagged with the start of its id (the tag of the shard
 * it came from), so on a Redis Cluster the load spreads over as many slots as
 * there are shards while every multi-key script stays within one slot.
 */
export interface Keyspace {
  readonly prefix: string;
  /** List of the ids of a shard's pooled captchas (each stored under `captcha(id)`, with no time to live until issued). */
  poolShard(shard: number): string;
  captcha(id: string): string;
  /** What every captcha key starts with: `captcha(id)` is this, `{` the id's first CAPTCHA_TAG_LENGTH characters `}`, and the rest. */
  readonly captchaKeyPrefix: string;
  /** Hash: a site's account, name and allowed origins. */
  site(sitekey: string): string;
  /** Set of every sitekey, for listing. */
  readonly sites: string;
  /** Hash: an account's name and creation time. */
  account(accountId: string): string;
  /** Set of every account id, for listing. */
  readonly accounts: string;
  /** Hash: key id → key hash, the API keys an account holds. */
  accountKeys(accountId: string): string;
  /** Hash: key id → JSON label and creation time; same hash tag as accountKeys. */
  accountKeyInfo(accountId: string): string;
  /** Hash: key id → last siteverify use in ms; same hash tag as accountKeys, so one script checks and writes both. */
  accountKeyUses(accountId: string): string;
  /** String: the account an API key (by its SHA-256) belongs to. */
  apiKey(keyHash: string): string;
  /** Marker that a response token was verified; lives as long as the token could. */
  usedToken(tokenId: string): string;
  /** Marker that a proof-of-work puzzle was redeemed; lives as long as the puzzle could. */
  usedPuzzle(puzzleId: string): string;
  /** Hash: one client's challenges, failures and fast answers in its two latest windows (the pow modes). */
  clientSignals(client: string): string;
  /** Prefix of a rate-limit bucket's per-client counters (the client id is appended as a hash tag). */
  rateLimit(bucket: string): string;
  /** Stream: the admin audit log, capped at ADMIN_AUDIT_LOG_LENGTH entries. */
  readonly auditLog: string;
  /** Pub/sub channel: a site, account or key changed; every API pod forgets what it remembered of them. */
  readonly siteChanges: string;
  /** Written by every readiness check: proves Redis still accepts writes. */
  readonly readinessProbe: string;
  /** Random value that changes whenever Redis loses its data; response tokens carry it. */
  readonly epoch: string;
  /** BullMQ prefix: one hash tag so all of a queue's keys share a slot, as BullMQ requires on Cluster. */
  readonly queuePrefix: string;
}

export function keyspace(prefix: string): Keyspace {
  return {
    prefix,
    // `pool-ids`, not `pool`: lists of whole entries, from before pooled captchas had their own keys, are never read as ids.
    poolShard: (shard) => `${prefix}:pool-ids:{${poolShardTag(shard)}}`,
    captcha: (id) => `${prefix}:captcha:{${id.slice(0, CAPTCHA_TAG_LENGTH)}}${id.slice(CAPTCHA_TAG_LENGTH)}`,
    captchaKeyPrefix: `${prefix}:captcha:`,
    site: (sitekey) => `${prefix}:site:{${sitekey}}`,
    sites: `${prefix}:sites`,
    account: (accountId) => `${prefix}:account:{${accountId}}`,
    accounts: `${prefix}:accounts`,
    accountKeys: (accountId) => `${prefix}:account-keys:{${accountId}}`,
    accountKeyInfo: (accountId) => `${prefix}:account-key-info:{${accountId}}`,
    accountKeyUses: (accountId) => `${prefix}:account-key-uses:{${accountId}}`,
    apiKey: (keyHash) => `${prefix}:api-key:{${keyHash}}`,
    usedToken: (tokenId) => `${prefix}:used-token:{${tokenId}}`,
    usedPuzzle: (puzzleId) => `${prefix}:used-puzzle:{${puzzleId}}`,
    clientSignals: (client) => `${prefix}:client-signals:{${client}}`,
    rateLimit: (bucket) => `${prefix}:rate:${bucket}:`,
    auditLog: `${prefix}:admin-audit`,
    siteChanges: `${prefix}:site-changes`,
    readinessProbe: `${prefix}:readiness-probe`,
    epoch: `${prefix}:epoch`,
    queuePrefix: `{${prefix}:queue}`,
  };
}
