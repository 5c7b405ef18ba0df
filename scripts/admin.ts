/**
 * `npm run admin -- <command>`: manage sites, accounts and API keys in Redis.
 * Changes take effect on every API pod at once; nothing needs a restart. Every
 * change is recorded in the audit log as done by "cli". The admin HTTP API on
 * the API's operations port does the same through the same functions.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/runtime/config.js';
import { AppError } from '../shared/domain/errors.js';
import { connectRedis, createRedisClient } from '../shared/adapters/redis/client.js';
import { redisSiteAdmin } from '../shared/adapters/redis/redis-site-admin.js';
import { auditQueryInput, newAccountInput, newKeyInput, newSiteInput, parseAdminInput } from '../shared/domain/sites/admin-input.js';
import type { AuditEntry } from '../shared/domain/sites/ports.js';
import type { NewKey } from '../shared/domain/sites/site-admin.js';
import { modeOf, type ApiKeyInfo, type Site } from '../shared/domain/sites/site.js';

const HELP = `Usage: npm run admin -- <command> [options]

Commands:
  create-account --name NAME [--label LABEL]      new account and its first API key
  list-accounts                                   every account
  get-account --account ID                        an account with its keys and sites
  delete-account --account ID                     delete an account and revoke its keys
                                                  (refused while it has sites)
  create-site --name NAME --origin URL...         new site; without --account also a new account and key
              [--account ID]
  list-sites                                      every site with its account, origins and mode
  get-site --site SITEKEY                         one site with all its settings
  set-origins --site SITEKEY --origin URL...      replace a site's allowed origins
  set-limits --site SITEKEY [--issue N] [--solve N]
                                                  a site's own per-IP limits per minute
                                                  (0 = none; omitted = the defaults)
  set-mode --site SITEKEY --mode MODE             how the widget checks visitors: image (default),
                                                  pow (invisible proof of work) or pow+image
                                                  (the puzzle, and an image when a client looks automated)
  set-pow --site SITEKEY --work N                 average SHA-256 hashes of the site's puzzles
                                                  (--work default: back to POW_WORK)
  delete-site --site SITEKEY                      delete a site; its widget stops at once
  add-key --account ID [--label LABEL]            another API key for an account (rotation)
  list-keys --account ID                          an account's keys: id, label, created, last used
  revoke-key --account ID --key KEY_ID            revoke a key at once, on every pod
  audit-log [--limit N] [--before ENTRY_ID]       admin actions, newest first

Options:
  --json        machine-readable output
  -h, --help    this text

API keys are printed once, when created; only their hashes are stored.
Redis is found through REDIS_URL and KEY_PREFIX, like the services.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      label: { type: 'string' },
      origin: { type: 'string', multiple: true },
      account: { type: 'string' },
      site: { type: 'string' },
      key: { type: 'string' },
      issue: { type: 'string' },
      solve: { type: 'string' },
      mode: { type: 'string' },
      work: { type: 'string' },
      limit: { type: 'string' },
      before: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const required = (name: 'name' | 'account' | 'site' | 'key' | 'mode' | 'work'): string => {
    const value = values[name];
    if (!value) throw new AppError('invalid_argument', `${command} needs --${name}`);
    return value;
  };
  const origins = (): string[] => {
    if (!values.origin?.length) throw new AppError('invalid_argument', `${command} needs at least one --origin`);
    return values.origin;
  };

  const config = loadConfig();
  const redis = createRedisClient(config, { failFast: false });
  await connectRedis(redis);
  const admin = redisSiteAdmin(redis, config, 'cli');
  const print = (data: unknown, text: string): void => {
    process.stdout.write(values.json ? `${JSON.stringify(data)}\n` : `${text}\n`);
  };
  const keyText = (key: NewKey): string => `API key ${key.apiKey}  (id ${key.keyId}; shown once, store it now)`;
  try {
    switch (command) {
      case 'create-account': {
        const { name, keyLabel } = parseAdminInput(newAccountInput, { name: required('name'), keyLabel: values.label });
        const key = await admin.createAccount(name, keyLabel);
        print(key, `account ${key.accountId}\n${keyText(key)}`);
        break;
      }
      case 'list-accounts': {
        const accounts = await admin.listAccounts();
        print(accounts, accounts.map((a) => `${a.accountId}  ${a.name}  ${a.createdAt ?? '-'}`).join('\n') || '(no accounts)');
        break;
      }
      case 'get-account': {
        const details = await admin.getAccount(required('account'));
        const { account, keys, sitekeys } = details;
        print(details, `account ${account.accountId}\nname ${account.name}\ncreated ${account.createdAt ?? '-'}\nsites ${sitekeys.join(' ') || '-'}\nkeys\n${keysText(keys)}`);
        break;
      }
      case 'delete-account': {
        const accountId = required('account');
        await admin.deleteAccount(accountId);
        print({ deleted: { accountId } }, `deleted account ${accountId} and its keys`);
        break;
      }
      case 'create-site': {
        const input = parseAdminInput(newSiteInput, { name: required('name'), origins: origins(), accountId: values.account });
        const { site, key } = await admin.createSite(input);
        print({ site, key }, `sitekey ${site.sitekey}\naccount ${site.accountId}\norigins ${site.origins.join(' ')}${key ? `\n${keyText(key)}` : ''}`);
        break;
      }
      case 'list-sites': {
        const sites = await admin.listSites();
        const line = (s: Site): string => `${s.sitekey}  ${s.accountId}  ${s.name}  ${s.origins.join(' ')}  ${modeOf(s)}${s.powWork ? ` work=${s.powWork}` : ''}`;
        print(sites, sites.map(line).join('\n') || '(no sites)');
        break;
      }
      case 'get-site': {
        const site = await admin.getSite(required('site'));
        print(site, siteText(site, config.powWork));
        break;
      }
      case 'set-origins': {
        const site = await admin.setOrigins(required('site'), origins());
        print(site, `sitekey ${site.sitekey}\norigins ${site.origins.join(' ')}`);
        break;
      }
      case 'set-limits': {
        const perMinute = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
        const site = await admin.setLimits(required('site'), {
          ...(values.issue !== undefined ? { issuePerMinute: perMinute(values.issue) } : {}),
          ...(values.solve !== undefined ? { solvePerMinute: perMinute(values.solve) } : {}),
        });
        print(site, `sitekey ${site.sitekey}\nlimits ${JSON.stringify(site.limits ?? {})}`);
        break;
      }
      case 'set-mode': {
        const site = await admin.setMode(required('site'), required('mode'));
        print(site, `sitekey ${site.sitekey}\nmode ${modeOf(site)}`);
        break;
      }
      case 'set-pow': {
        const work = required('work');
        const site = await admin.setPowWork(required('site'), work === 'default' ? undefined : Number(work));
        print(site, `sitekey ${site.sitekey}\npow work ${site.powWork ?? `default (POW_WORK=${config.powWork})`}`);
        break;
      }
      case 'delete-site': {
        const sitekey = required('site');
        await admin.deleteSite(sitekey);
        print({ deleted: { sitekey } }, `deleted site ${sitekey}`);
        break;
      }
      case 'add-key': {
        const { label } = parseAdminInput(newKeyInput, { label: values.label });
        const key = await admin.addKey(required('account'), label);
        print(key, keyText(key));
        break;
      }
      case 'list-keys': {
        const keys = await admin.listKeys(required('account'));
        print(keys, keysText(keys));
        break;
      }
      case 'revoke-key': {
        await admin.revokeKey(required('account'), required('key'));
        print({ revoked: { keyId: values.key } }, `revoked ${values.key ?? ''}`);
        break;
      }
      case 'audit-log': {
        const query = parseAdminInput(auditQueryInput, { limit: values.limit, before: values.before });
        const entries = await admin.auditEntries(query);
        print(entries, entries.map(auditText).join('\n') || '(no entries)');
        break;
      }
      default:
        throw new AppError('invalid_argument', `unknown command ${command}; see --help`);
    }
    return 0;
  } finally {
    await redis.quit();
  }
}

function siteText(site: Site, defaultWork: number): string {
  const limit = (value: number | undefined): string => (value === undefined ? 'default' : String(value));
  return [
    `sitekey ${site.sitekey}`,
    `account ${site.accountId}`,
    `name ${site.name}`,
    `origins ${site.origins.join(' ')}`,
    `mode ${modeOf(site)}`,
    `pow work ${site.powWork ?? `default (POW_WORK=${defaultWork})`}`,
    `limits issue ${limit(site.limits?.issuePerMinute)}, solve ${limit(site.limits?.solvePerMinute)} per minute`,
  ].join('\n');
}

function keysText(keys: readonly ApiKeyInfo[]): string {
  const line = (k: ApiKeyInfo): string => `${k.keyId}  ${k.label || '-'}  created ${k.createdAt ?? '-'}  last used ${k.lastUsedAt ?? 'never'}`;
  return keys.map(line).join('\n') || '(no keys)';
}

function auditText(entry: AuditEntry): string {
  return `${entry.at}  ${entry.actor}  ${entry.action}  ${entry.target}  ${JSON.stringify(entry.details)}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`admin: ${error instanceof AppError ? error.detail : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof AppError ? 2 : 1);
  },
);
