import { systemClock } from '../../domain/clock.js';
import type { Config } from '../../runtime/config.js';
import type { SiteRepository } from '../../domain/sites/ports.js';
import { SiteAdmin } from '../../domain/sites/site-admin.js';
import type { RedisClient } from './client.js';
import { keyspace } from './keys.js';
import { RedisAuditLog } from './redis-audit-log.js';
import { RedisSites } from './redis-sites.js';

/** Site administration on this deployment's Redis, audited there: what the CLI, the admin API and local tools use. */
export function redisSiteAdmin(
  redis: RedisClient,
  config: Pick<Config, 'keyPrefix' | 'adminAuditLogLength'>,
  actor: string,
  // An API pod passes the repository it serves from, so its own changes apply to it at once.
  sites: SiteRepository = new RedisSites(redis, keyspace(config.keyPrefix)),
): SiteAdmin {
  const keys = keyspace(config.keyPrefix);
  return new SiteAdmin(sites, {
    audit: new RedisAuditLog(redis, keys, config.adminAuditLogLength),
    clock: systemClock,
    actor,
  });
}
