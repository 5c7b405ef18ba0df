import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { AuditAction, AuditEntry, AuditLog, AuditQuery, AuditRecord } from '../../domain/sites/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/**
 * The admin audit log as one Redis stream, trimmed exactly to `maxLength`
 * entries on every append (admin actions are rare, so exact trimming costs
 * nothing worth saving). Stream ids order the entries and page through them.
 */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly maxLength: number,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    await this.redis
      .xadd(
        this.keys.auditLog,
        'MAXLEN',
        this.maxLength,
        '*',
        'at',
        record.at,
        'actor',
        record.actor,
        'action',
        record.action,
        'target',
        record.target,
        'details',
        JSON.stringify(record.details),
      )
      .catch(rethrowAsUnavailable);
  }

  async read({ limit, before }: AuditQuery): Promise<AuditEntry[]> {
    const newest = before === undefined ? '+' : `(${before}`;
    const entries = await this.redis.xrevrange(this.keys.auditLog, newest, '-', 'COUNT', limit).catch(rethrowAsUnavailable);
    return entries.map(([id, flat]) => {
      const fields = new Map<string, string>();
      for (let index = 0; index + 1 < flat.length; index += 2) fields.set(flat[index] ?? '', flat[index + 1] ?? '');
      return {
        id,
        at: fields.get('at') ?? '',
        actor: fields.get('actor') ?? '',
        action: (fields.get('action') ?? '') as AuditAction,
        target: fields.get('target') ?? '',
        details: parseDetails(fields.get('details')),
      };
    });
  }
}

function parseDetails(json: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
