import { createHash } from 'node:crypto';

/** Characters of a captcha id that form its key's hash tag. */
export const CAPTCHA_TAG_LENGTH = 4;

const shardTags = new Map<number, string>();

/**
 * A pool shard's hash tag: a few hex characters. The API issues a captcha from
 * shard s under an id that starts with this tag, so the shard and the issued
 * captcha share a Redis Cluster slot and one script can move the entry across.
 */
export function poolShardTag(shard: number): string {
  // Every issue names its shard's key and id: hash each shard once, not per request.
  let tag = shardTags.get(shard);
  if (tag === undefined) {
    tag = createHash('sha256').update(`pool-shard:${shard}`).digest('hex').slice(0, CAPTCHA_TAG_LENGTH);
    shardTags.set(shard, tag);
  }
  return tag;
}

/**
 * Every Redis key name the product uses. Each pool shard has its own hash tag,
 * and a captcha key is tagged with the start of its id (the tag of the shard
 * it came from), so on a Redis Cluster the load spreads over as many slots as
 * there are shards while every multi-key script stays within one slot.
 */
export interface Keyspace {
  readonly prefix: string;
  poolShard(shard: number): string;
  captcha(id: string): string;
  /** Hash: a site's account, name and allowed origins. */
  site(sitekey: string): string;
  /** Set of every sitekey, for listing. */
  readonly sites: string;
  /** Hash: an account's name and creation time. */
  account(accountId: string): string;
  /** Hash: key id → key hash, the API keys an account holds. */
  accountKeys(accountId: string): string;
  /** String: the account an API key (by its SHA-256) belongs to. */
  apiKey(keyHash: string): string;
  /** Marker that a response token was verified; lives as long as the token could. */
  usedToken(tokenId: string): string;
  /** Prefix of a rate-limit bucket's per-client counters (the client id is appended as a hash tag). */
  rateLimit(bucket: string): string;
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
    poolShard: (shard) => `${prefix}:pool:{${poolShardTag(shard)}}`,
    captcha: (id) => `${prefix}:captcha:{${id.slice(0, CAPTCHA_TAG_LENGTH)}}${id.slice(CAPTCHA_TAG_LENGTH)}`,
    site: (sitekey) => `${prefix}:site:{${sitekey}}`,
    sites: `${prefix}:sites`,
    account: (accountId) => `${prefix}:account:{${accountId}}`,
    accountKeys: (accountId) => `${prefix}:account-keys:{${accountId}}`,
    apiKey: (keyHash) => `${prefix}:api-key:{${keyHash}}`,
    usedToken: (tokenId) => `${prefix}:used-token:{${tokenId}}`,
    rateLimit: (bucket) => `${prefix}:rate:${bucket}:`,
    readinessProbe: `${prefix}:readiness-probe`,
    epoch: `${prefix}:epoch`,
    queuePrefix: `{${prefix}:queue}`,
  };
}
