/**
 * `npm run admin -- <command>`: manage sites and API keys in Redis. Changes
 * take effect on every API pod at once; nothing needs a restart.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { connectRedis, createRedisClient } from '../shared/redis/client.js';
import { keyspace } from '../shared/redis/keys.js';
import { RedisSites } from '../shared/redis/redis-sites.js';
import { SiteAdmin } from '../shared/sites/site-admin.js';
import { modeOf, type Site } from '../shared/sites/site.js';

const HELP = `Usage: npm run admin -- <command> [options]

Commands:
  create-account --name NAME                      new account and its first API key
  create-site --name NAME --origin URL...         new site; without --account also a new account and key
              [--account ID]
  set-origins --site SITEKEY --origin URL...      replace a site's allowed origins
  set-limits --site SITEKEY [--issue N] [--solve N]
                                                  a site's own per-IP limits per minute
                                                  (0 = none; omitted = the defaults)
  set-mode --site SITEKEY --mode MODE             how the widget checks visitors: image (default),
                                                  pow (invisible proof of work) or pow+image
                                                  (the puzzle, and an image when a client looks automated)
  set-pow --site SITEKEY --work N                 average SHA-256 hashes of the site's puzzles
                                                  (--work default: back to POW_WORK)
  list-sites                                      every site with its account, origins and mode
  add-key --account ID                            another API key for an account (rotation)
  list-keys --account ID                          the ids of an account's keys
  revoke-key --account ID --key KEY_ID            revoke a key at once, on every pod

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
      origin: { type: 'string', multiple: true },
      account: { type: 'string' },
      site: { type: 'string' },
      key: { type: 'string' },
      issue: { type: 'string' },
      solve: { type: 'string' },
      mode: { type: 'string' },
      work: { type: 'string' },
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
  const admin = new SiteAdmin(new RedisSites(redis, keyspace(config.keyPrefix)));
  const print = (data: unknown, text: string): void => {
    process.stdout.write(values.json ? `${JSON.stringify(data)}\n` : `${text}\n`);
  };
  try {
    switch (command) {
      case 'create-account': {
        const key = await admin.createAccount(required('name'));
        print(key, `account ${key.accountId}\nAPI key ${key.apiKey}  (id ${key.keyId}; shown once, store it now)`);
        break;
      }
      case 'create-site': {
        const { site, key } = await admin.createSite({
          name: required('name'),
          origins: origins(),
          ...(values.account ? { accountId: values.account } : {}),
        });
        const keyText = key ? `\nAPI key ${key.apiKey}  (id ${key.keyId}; shown once, store it now)` : '';
        print({ site, key }, `sitekey ${site.sitekey}\naccount ${site.accountId}\norigins ${site.origins.join(' ')}${keyText}`);
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
      case 'list-sites': {
        const sites = await admin.listSites();
        const line = (s: Site): string => `${s.sitekey}  ${s.accountId}  ${s.name}  ${s.origins.join(' ')}  ${modeOf(s)}${s.powWork ? ` work=${s.powWork}` : ''}`;
        print(sites, sites.map(line).join('\n') || '(no sites)');
        break;
      }
      case 'add-key': {
        const key = await admin.addKey(required('account'));
        print(key, `API key ${key.apiKey}  (id ${key.keyId}; shown once, store it now)`);
        break;
      }
      case 'list-keys': {
        const ids = await admin.listKeyIds(required('account'));
        print(ids, ids.join('\n') || '(no keys)');
        break;
      }
      case 'revoke-key': {
        await admin.revokeKey(required('account'), required('key'));
        print({ revoked: values.key }, `revoked ${values.key ?? ''}`);
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`admin: ${error instanceof AppError ? error.detail : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof AppError ? 2 : 1);
  },
);
