import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AudioCaptchas } from '../../shared/domain/audio/audio-captchas.js';
import { loadSpeechClips } from '../../shared/adapters/audio-clip-files.js';
import { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { systemClock } from '../../shared/domain/clock.js';
import { loadConfig, type Config } from '../../shared/runtime/config.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { CaptchaMetrics, createRegistry, registerPoolGauges } from '../../shared/adapters/metrics/captcha-metrics.js';
import { SiteLabels } from '../../shared/adapters/metrics/site-labels.js';
import { isMainModule, runService } from '../../shared/runtime/run-service.js';
import { BullRefillRequester, createRefillQueue } from '../../shared/adapters/queue/refill-queue.js';
import { assertNoEviction, assertSupportedRedis, connectRedis, createRedisClient } from '../../shared/adapters/redis/client.js';
import { RedisEpoch } from '../../shared/adapters/redis/redis-epoch.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { RedisIssuedCaptchas } from '../../shared/adapters/redis/redis-issued-captchas.js';
import { RedisPool } from '../../shared/adapters/redis/redis-pool.js';
import { RedisRateLimiter } from '../../shared/adapters/redis/redis-rate-limiter.js';
import { RedisSites } from '../../shared/adapters/redis/redis-sites.js';
import { listenForSiteChanges } from '../../shared/adapters/redis/site-changes.js';
import { CachedSites } from '../../shared/domain/sites/cached-sites.js';
import { RedisUsedTokens } from '../../shared/adapters/redis/redis-used-tokens.js';
import { redisSiteAdmin } from '../../shared/adapters/redis/redis-site-admin.js';
import { AdminTokens } from '../../shared/domain/sites/admin-tokens.js';
import { KEY_USE_INTERVAL_MS, KeyUsage } from '../../shared/domain/sites/key-usage.js';
import { adminRoutes } from './routes/admin-routes.js';
import { projectRoot } from '../../shared/runtime/project-root.js';
import { ResponseTokens } from '../../shared/domain/token/response-token.js';
import { Siteverify } from '../../shared/domain/token/siteverify.js';
import { WidgetChallenges } from '../../shared/domain/token/widget-challenges.js';
import { WidgetModes } from '../../shared/domain/token/widget-modes.js';
import { PowPuzzles } from '../../shared/domain/pow/puzzle.js';
import type { PowPolicy } from '../../shared/domain/pow/pow-policy.js';
import { RedisClientSignals, RedisUsedPuzzles } from '../../shared/adapters/redis/redis-pow.js';
import { createApiApp } from './app.js';
import { randomAnswer } from '../../shared/domain/captcha/alphabet.js';
import { DIFFICULTY_PROFILES } from '../../shared/domain/render/captcha-svg.js';
import { newSeed } from '../../shared/domain/render/random.js';
import { renderStyleFor } from '../../shared/domain/render/render-style.js';
import { renderCaptcha } from '../../shared/domain/render/renderer.js';
import { Study } from '../../shared/domain/study/study.js';
import { startOpsServer } from '../../shared/runtime/ops-server.js';
import type { Readiness } from '../../shared/runtime/health-routes.js';

export interface RunningApi {
  readonly url: string;
  /** Where /metrics, /healthz and /readyz answer, apart from the public port. */
  readonly opsUrl: string;
  readonly server: Server;
  stop(): Promise<void>;
}

/** Wires config, Redis, the refill queue and the Koa app, and listens. */
export async function startApi(config: Config = loadConfig()): Promise<RunningApi> {
  const logger = createLogger('api', config.logLevel);
  const keys = keyspace(config.keyPrefix);
  const registry = createRegistry('api');
  const metrics = new CaptchaMetrics(registry, new SiteLabels(config.metricsSiteLabelCap));
  const redis = createRedisClient(config, { failFast: true, commandTimeoutMs: config.redisCommandTimeoutMs });
  redis.on('error', (error: Error) => {
    metrics.redisError();
    logger.warn({ err: error.message }, 'redis connection error');
  });
  await connectRedis(redis);
  await assertSupportedRedis(redis);
  await assertNoEviction(redis);
  const queue = createRefillQueue(config, keys);
  queue.on('error', (error: Error) => logger.warn({ err: error.message }, 'queue connection error'));

  const pool = new RedisPool(redis, keys);
  const policy = new PoolPolicy(config.poolShards, config.poolTargetSize, config.poolLowWatermark);
  registerPoolGauges(
    registry,
    { shards: policy.shards, target: config.poolTargetSize, lowWatermark: config.poolLowWatermark, depths: () => pool.depths(policy.shards) },
    () => metrics.redisError(),
  );
  const store = new CaptchaStore({
    pool,
    issued: new RedisIssuedCaptchas(redis, keys),
    refills: new BullRefillRequester(queue),
    policy,
    clock: systemClock,
    observer: metrics,
    ttlSeconds: config.captchaTtlSeconds,
    poolWaitMs: config.poolWaitMs,
    onRefillError: (error) => logger.warn({ err: String(error) }, 'refill request failed'),
  });
  // Without the clips `npm run build` makes, audio answers 503 and everything else works.
  const clips = await loadSpeechClips().catch((error: unknown) => {
    logger.warn({ err: String(error) }, 'audio captchas unavailable: no speech clips');
    return undefined;
  });
  const audio = new AudioCaptchas(store, clips);

  if (config.tokenSecret === '') {
    throw new Error('TOKEN_SECRET is required: set it to the same random string (32+ characters) on every API pod');
  }
  // Widget and siteverify requests read a site or a key on every call: each pod remembers them, forgetting at every announced change.
  const sites = new CachedSites(new RedisSites(redis, keys), { clock: systemClock, maxAgeMs: config.siteCacheSeconds * 1000, maxEntries: 100_000 });
  const stopListeningForSiteChanges = await listenForSiteChanges(config, keys, () => sites.clear(), (error) => {
    logger.warn({ err: error.message }, 'site change subscription error');
  });
  const epoch = new RedisEpoch(redis, keys, (error) => logger.warn({ err: String(error) }, 'reading the data epoch failed'));
  await epoch.refresh();
  const tokens = new ResponseTokens(config.tokenSecret);
  const challenges = new WidgetChallenges({ store, sites, tokens, epoch, clock: systemClock, tokenTtlSeconds: config.tokenTtlSeconds });
  const modes = new WidgetModes({
    challenges,
    puzzles: new PowPuzzles(config.tokenSecret, systemClock, config.captchaTtlSeconds),
    usedPuzzles: new RedisUsedPuzzles(redis, keys),
    signals: new RedisClientSignals(redis, keys),
    policy: powPolicy(config),
    clock: systemClock,
    onSignalError: (error) => logger.warn({ err: String(error) }, 'counting a client signal failed'),
  });
  const keyUsage = new KeyUsage({
    repository: sites,
    clock: systemClock,
    intervalMs: KEY_USE_INTERVAL_MS,
    maxTracked: 100_000,
    onError: (error) => logger.warn({ err: String(error) }, 'recording an API key\'s last use failed'),
  });
  const siteverify = new Siteverify({ sites, keyUsage, tokens, usedTokens: new RedisUsedTokens(redis, keys), epoch, clock: systemClock, retryWindowMs: config.siteverifyRetryWindowSeconds * 1000 });

  let draining = false;
  const isReady = async (): Promise<Readiness> => {
    if (draining) return { ready: false, reason: 'draining' };
    // A write, not a PING: a full Redis, or a replica left read-only after a failover, answers PING but cannot issue.
    const written = await redis.set(keys.readinessProbe, '1', 'PX', 10_000).then(
      () => 'ok' as const,
      (error: unknown) => (/^(OOM|READONLY)/.test(String((error as Error).message)) ? 'refused' as const : 'down' as const),
    );
    if (written === 'ok') return { ready: true };
    return { ready: false, reason: written === 'refused' ? 'redis_refusing_writes' : 'redis_unavailable' };
  };
  const app = createApiApp({
    config,
    logger,
    metrics,
    store,
    audio,
    challenges,
    modes,
    siteverify,
    rateLimiter: new RedisRateLimiter(redis, keys),
    widgetScript: await loadBrowserScript('widget.js'),
    study: config.studyPage ? { study: createStudy(config, store, metrics), script: await loadBrowserScript('study.js') } : undefined,
    isReady,
    isDraining: () => draining,
  });
  const handle = app.callback();
  const server = createServer(
    {
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      keepAliveTimeout: config.httpKeepAliveTimeoutMs,
      // Node enforces the two timeouts above only when it sweeps connections: sweep every second.
      connectionsCheckingInterval: 1000,
    },
    (request, response) => void handle(request, response),
  );
  server.maxConnections = config.httpMaxConnections;
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // The admin API exists only on the operations port, and only with a token configured.
  const adminTokens = new AdminTokens(config.adminTokenSha256);
  const admin = adminTokens.enabled
    ? adminRoutes({ admin: redisSiteAdmin(redis, config, 'admin-api', sites), tokens: adminTokens, logger, bodyLimitBytes: config.bodyLimitBytes })
    : undefined;
  const ops = await startOpsServer({ port: config.apiOpsPort, host: config.host, registry, isReady, ...(admin ? { routes: admin } : {}) });
  const localHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${localHost}:${port}`;
  const opsUrl = `http://${localHost}:${(ops.address() as AddressInfo).port}`;
  logger.info({ url, opsUrl, adminApi: adminTokens.enabled }, 'api listening');

  return {
    url,
    opsUrl,
    server,
    /**
     * Graceful stop for rolling updates: report not-ready and keep serving
     * (answering with `Connection: close`, so keep-alive clients reconnect
     * elsewhere) while load balancers notice, then stop accepting, let
     * in-flight requests finish, and only then let go of Redis.
     */
    async stop() {
      draining = true;
      logger.info({ drainMs: config.shutdownDrainMs }, 'draining');
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(cut);
      ops.closeAllConnections();
      await new Promise((resolve) => ops.close(resolve));
      await queue.close();
      await stopListeningForSiteChanges();
      await redis.quit().catch(() => undefined);
      logger.info('api stopped');
    },
  };
}

/** Who pays how much in the proof-of-work modes. */
function powPolicy(config: Config): PowPolicy {
  return {
    defaultWork: config.powWork,
    windowMs: config.powWindowSeconds * 1000,
    volumeStep: config.powVolumeStep,
    stepUp: { challenges: config.stepUpChallenges, failures: config.stepUpFailures, fastAnswers: config.stepUpFastAnswers },
    fastAnswerMs: config.stepUpFastAnswerMs,
  };
}

/** The study renders on demand, in this deployment's style, at every difficulty. */
function createStudy(config: Config, store: CaptchaStore, metrics: CaptchaMetrics): Study {
  const style = renderStyleFor(config.renderStyleSecret);
  return new Study(
    store,
    async (difficulty) => {
      const answer = randomAnswer(config.answerLength);
      const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[difficulty], style);
      return { answer, png };
    },
    ({ correct, difficulty, seconds }) => metrics.answered('study', difficulty, correct ? 'success' : 'mismatch', seconds),
  );
}

/** A browser script (the widget, the study page), built by `npm run build` into dist/widget/. */
async function loadBrowserScript(name: string): Promise<Buffer | undefined> {
  return readFile(join(projectRoot(), 'dist', 'widget', name)).catch(() => undefined);
}

if (isMainModule(import.meta.url)) runService('api', () => startApi());
