/**
 * `npm start`: one API and one worker against REDIS_URL. When nothing answers
 * there and redis-server is installed, a private Redis is started for the run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { connectRedis, createRedisClient } from '../shared/redis/client.js';
import { describeRedis, openRedisConnection, redisMode, standaloneRedis, type RedisSettings } from '../shared/redis/connection.js';
import { keyspace } from '../shared/redis/keys.js';
import { RedisSites } from '../shared/redis/redis-sites.js';
import { SiteAdmin } from '../shared/sites/site-admin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

function say(message: string): void {
  process.stdout.write(`[start] ${message}\n`);
}

async function redisAnswers(settings: RedisSettings): Promise<boolean> {
  const client = openRedisConnection(settings, { failFast: true });
  client.on('error', () => undefined);
  try {
    await connectRedis(client, 2000);
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

async function startPrivateRedis(): Promise<string> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  children.push(redis);
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers(standaloneRedis(url))) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the private redis-server did not start');
}

function startService(name: 'api' | 'worker', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [`dist/services/${name}/main.js`], { cwd: root, env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited (${signal ?? code}); stopping`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  // Services first, so they finish their work while Redis is still there.
  const [redis, ...services] = privateRedis ? children : [undefined, ...children];
  await Promise.all(services.map(stopChild));
  if (redis) await stopChild(redis);
  process.exit(code);
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

let privateRedis = false;

async function main(): Promise<void> {
  const config = loadConfig();
  let redis: RedisSettings = config;
  let redisUrl = config.redisUrl;
  if (!(await redisAnswers(redis))) {
    if (redisMode(config) !== 'standalone') {
      say(`the configured ${describeRedis(config)} does not answer; check REDIS_CLUSTER_NODES or REDIS_SENTINELS.`);
      process.exit(1);
    }
    const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
    if (!installed) {
      say(`nothing answers at ${redisUrl} and redis-server is not installed.`);
      say('Start Redis 7 or newer (for example `apt-get install redis-server`, or `docker run -p 6379:6379 redis:7`)');
      say('or point REDIS_URL at one, then run `npm start` again.');
      process.exit(1);
    }
    redisUrl = await startPrivateRedis();
    redis = standaloneRedis(redisUrl);
    privateRedis = true;
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
  const env = { STUDY_PAGE: 'true', ...process.env, ...(privateRedis ? { REDIS_URL: redisUrl } : {}), TOKEN_SECRET: tokenSecret, DEMO_SITEKEY: demo.sitekey, DEMO_API_KEY: demo.apiKey };
  startService('worker', env);
  startService('api', env);
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
    const admin = new SiteAdmin(new RedisSites(redis, keyspace(config.keyPrefix)));
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
