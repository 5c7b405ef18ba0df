import { systemClock } from '../../domain/clock.js';
import type { Config } from '../../runtime/config.js';
import { SiteAdmin } from '../../domain/sites/site-admin.js';
import type { RedisClient } from './client.js';
import { keyspace } from './keys.js';
import { RedisAuditLog } from './redis-audit-log.js';
import { RedisSites } from './redis-sites.js';

/** Site administration on this deployment's Redis, audited there: what the CLI, the admin API and local tools use. */
export function redisSiteAdmin(redis: RedisClient, config: Pick<Config, 'keyPrefix' | 'adminAuditLogLength'>, actor: string): SiteAdmin {
  const keys = keyspace(config.keyPrefix);
  return new SiteAdmin(new RedisSites(redis, keys), {
    audit: new RedisAuditLog(redis, keys, config.adminAuditLogLength),
    clock: systemClock,
    actor,
  });
}
