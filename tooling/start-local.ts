/**
 * `npm start`: one API and one worker against REDIS_URL. When nothing answers
 * there and redis-server is installed, a private Redis is started for the run.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, type Config } from '../shared/runtime/config.js';
import { connectRedis, createRedisClient } from '../shared/adapters/redis/client.js';
import { describeRedis, redisMode, standaloneRedis, type RedisSettings } from '../shared/adapters/redis/connection.js';
import { redisSiteAdmin } from '../shared/adapters/redis/redis-site-admin.js';
import { redisAnswers, redisServerInstalled, startRedisServer, type RedisServer } from './redis-server.js';
import { startService, type ServiceName, type ServiceProcess } from './service-processes.js';

const services: ServiceProcess[] = [];
let privateRedis: RedisServer | undefined;

function say(message: string): void {
  process.stdout.write(`[start] ${message}\n`);
}

function runService(name: ServiceName, env: NodeJS.ProcessEnv): void {
  const service = startService(name, env, { echo: true });
  service.child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited (${signal ?? code}); stopping`);
      void shutdown(1);
    }
  });
  services.push(service);
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  // Services first, so they finish their work while Redis is still there.
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
  await privateRedis?.stop();
  process.exit(code);
}

async function main(): Promise<void> {
  const config = loadConfig();
  let redis: RedisSettings = config;
  let redisUrl = config.redisUrl;
  if (!(await redisAnswers(redis))) {
    if (redisMode(config) !== 'standalone') {
      say(`the configured ${describeRedis(config)} does not answer; check REDIS_CLUSTER_NODES or REDIS_SENTINELS.`);
      process.exit(1);
    }
    if (!redisServerInstalled()) {
      say(`nothing answers at ${redisUrl} and redis-server is not installed.`);
      say('Start Redis 7 or newer (for example `apt-get install redis-server`, or `docker run -p 6379:6379 redis:7`)');
      say('or point REDIS_URL at one, then run `npm start` again.');
      process.exit(1);
    }
    privateRedis = await startRedisServer();
    redisUrl = privateRedis.url;
    redis = standaloneRedis(redisUrl);
    say(`nothing answered at ${config.redisUrl}; started a private redis-server at ${redisUrl} for this run`);
  } else if (redisMode(config) === 'standalone') {
    say(`using the Redis at ${redisUrl.replace(/\/\/[^@/]*@/, '//')}`);
  } else {
    say(`using the ${describeRedis(config)}`);
  }
  const base = config.publicUrl || `http://127.0.0.1:${config.port}`;
  const demo = await prepareDemoSite(redis, config);
  const tokenSecret = config.tokenSecret || randomBytes(32).toString('base64url');
  if (!config.tokenSecret) say('TOKEN_SECRET is not set; using a random one for this run');
  const env = { STUDY_PAGE: 'true', ...process.env, ...(privateRedis ? { REDIS_URL: privateRedis.url } : {}), TOKEN_SECRET: tokenSecret, DEMO_SITEKEY: demo.sitekey, DEMO_API_KEY: demo.apiKey };
  runService('worker', env);
  runService('api', env);
  say(`demo site: sitekey ${demo.sitekey}, API key ${demo.apiKey} (a new key each start)`);
  say(`API on ${base} — try ${base}/3.0/captcha, or open ${base}/demo (and ${base}/demo/study) in a browser (Ctrl-C stops everything)`);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
}

/** The demo site ("Local demo") for /demo, reused across runs, with a fresh API key each time. */
async function prepareDemoSite(settings: RedisSettings, config: Config): Promise<{ sitekey: string; apiKey: string }> {
  const redis = createRedisClient(settings, { failFast: false });
  try {
    await connectRedis(redis);
    const admin = redisSiteAdmin(redis, config, 'cli');
    const origins = [`http://127.0.0.1:${config.port}`, `http://localhost:${config.port}`];
    if (config.publicUrl) origins.push(new URL(config.publicUrl).origin);
    const existing = (await admin.listSites()).find((site) => site.name === 'Local demo');
    if (!existing) {
      const { site, key } = await admin.createSite({ name: 'Local demo', origins });
      if (!key) throw new Error('creating the demo site gave no API key');
      return { sitekey: site.sitekey, apiKey: key.apiKey };
    }
    await admin.setOrigins(existing.sitekey, origins);
    for (const keyId of await admin.listKeyIds(existing.accountId)) await admin.revokeKey(existing.accountId, keyId);
    const key = await admin.addKey(existing.accountId);
    return { sitekey: existing.sitekey, apiKey: key.apiKey };
  } finally {
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  say(error instanceof ConfigError ? error.message : `failed: ${String(error)}`);
  void shutdown(1);
});
