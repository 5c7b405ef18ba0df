import type { AddressInfo } from 'node:net';
import { UnrecoverableError, Worker } from 'bullmq';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { PoolRefiller } from '../../shared/domain/captcha/pool-refiller.js';
import { loadConfig, type Config } from '../../shared/runtime/config.js';
import { createLogger } from '../../shared/runtime/logger.js';
import {
  createRegistry,
  redisErrorsCounter,
  registerPoolGauges,
  registerQueueGauges,
  RenderMetrics,
} from '../../shared/adapters/metrics/captcha-metrics.js';
import { isMainModule, runService } from '../../shared/runtime/run-service.js';
import {
  BullRefillRequester,
  bullConnection,
  createRefillQueue,
  isRefillJobData,
  REFILL_QUEUE,
  type RefillJobData,
} from '../../shared/adapters/queue/refill-queue.js';
import { assertNoEviction, assertSupportedRedis, connectRedis, createRedisClient } from '../../shared/adapters/redis/client.js';
import { closeRedisConnection } from '../../shared/adapters/redis/connection.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { RedisPool } from '../../shared/adapters/redis/redis-pool.js';
import { renderPoolEntries } from '../../shared/domain/render/pool-entries.js';
import { renderStyleFor } from '../../shared/domain/render/render-style.js';
import { startOpsServer } from '../../shared/runtime/ops-server.js';

/** BullMQ's own default lock: long enough for any batch, even on a starved CPU. */
const MIN_LOCK_DURATION_MS = 30_000;

export interface RunningWorker {
  /** Where /metrics, /healthz and /readyz answer. */
  readonly opsUrl: string;
  /** Resolves once the pool has been checked and refills for every low shard are queued. */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The render worker: takes refill jobs off the queue and renders captchas
 * straight into the pool, and on its own checks the pool depth at start and
 * on an interval, so the pool is warm before the first request and after a
 * Redis restart.
 */
export async function startWorker(config: Config = loadConfig()): Promise<RunningWorker> {
  const logger = createLogger('worker', config.logLevel);
  const keys = keyspace(config.keyPrefix);
  const registry = createRegistry('worker');
  const renderMetrics = new RenderMetrics(registry);
  const redisErrors = redisErrorsCounter(registry);
  const redis = createRedisClient(config, { failFast: false });
  redis.on('error', (error: Error) => {
    redisErrors.inc();
    logger.warn({ err: error.message }, 'redis connection error');
  });
  await connectRedis(redis);
  await assertSupportedRedis(redis);
  await assertNoEviction(redis);

  const policy = new PoolPolicy(config.poolShards, config.poolTargetSize, config.poolLowWatermark);
  let stopping = false;
  const pool = new RedisPool(redis, keys);
  const style = renderStyleFor(config.renderStyleSecret);
  const render = async (count: number): Promise<Buffer[]> => {
    const started = performance.now();
    try {
      const entries = await renderPoolEntries(count, config.answerLength, config.renderDifficulty, style);
      renderMetrics.batch(count, (performance.now() - started) / 1000);
      return entries;
    } catch (error) {
      renderMetrics.failed();
      throw error;
    }
  };
  const refiller = new PoolRefiller({
    pool,
    policy,
    render,
    batchSize: config.renderBatchSize,
    shouldStop: () => stopping,
  });
  const queue = createRefillQueue(config, keys);
  queue.on('error', (error: Error) => logger.warn({ err: error.message }, 'queue connection error'));
  const requester = new BullRefillRequester(queue);
  registerPoolGauges(
    registry,
    { shards: policy.shards, target: config.poolTargetSize, lowWatermark: config.poolLowWatermark, depths: () => pool.depths(policy.shards) },
    () => redisErrors.inc(),
  );
  registerQueueGauges(registry, queue, () => redisErrors.inc());
  const ops = await startOpsServer({
    port: config.workerPort,
    host: config.host,
    registry,
    isReady: async () => {
      if (stopping) return { ready: false, reason: 'stopping' };
      return (await redis.ping()) === 'PONG' ? { ready: true } : { ready: false, reason: 'redis_unavailable' };
    },
  });
  const { port: opsPort } = ops.address() as AddressInfo;

  const workerConnection = bullConnection(config);
  const worker = new Worker<RefillJobData, { rendered: number }>(
    REFILL_QUEUE,
    async (job) => {
      if (!isRefillJobData(job.data, policy.shards)) throw new UnrecoverableError('malformed refill job');
      const started = performance.now();
      // Fill to the target, not just the deficit the requester saw: more may have been taken since.
      const rendered = await refiller.fillShard(job.data.shard);
      logger.debug({ shard: job.data.shard, rendered, ms: Math.round(performance.now() - started) }, 'refilled');
      return { rendered };
    },
    {
      connection: workerConnection,
      prefix: keys.queuePrefix,
      concurrency: config.workerConcurrency,
      // A job whose worker died is handed on once its lock expires and the next stall check runs.
      stalledInterval: config.workerStalledIntervalMs,
      // A lock far longer than a batch, so a worker starved of CPU still renews it in time and its
      // job is not failed as stalled; the periodic fill below does not wait for stalled jobs anyway.
      lockDuration: Math.max(MIN_LOCK_DURATION_MS, config.workerStalledIntervalMs),
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error: Error) => logger.warn({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => logger.warn({ job: job?.id, err: error.message }, 'refill job failed'));

  // Start-up queues refills so that every worker shares the first fill; later checks fill directly.
  const queueShortShards = async (): Promise<void> => {
    for (const { shard } of await refiller.shortShards()) await requester.requestRefill(shard);
  };
  let check: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (check || stopping) return;
    check = refiller
      .fillShortShards(config.workerConcurrency)
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: String(error) }, 'pool check failed'),
      )
      .finally(() => (check = undefined));
  }, config.poolCheckIntervalMs);
  timer.unref();
  await worker.waitUntilReady();
  // Never rejects: a worker stopped while it queues (its queue then closed) must not die of an unhandled rejection.
  const started = queueShortShards().catch((error: unknown) => {
    if (!stopping) logger.warn({ err: String(error) }, 'queueing the first refills failed; the periodic check fills the pool');
  });
  logger.info({ target: config.poolTargetSize, shards: config.poolShards }, 'worker started');

  return {
    opsUrl: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${opsPort}`,
    started,
    async stop() {
      stopping = true;
      clearInterval(timer);
      // Finish the batch in progress; past the timeout, hand the job back (stall detection retries it).
      const forced = setTimeout(() => void worker.close(true), config.shutdownTimeoutMs);
      await worker.close();
      await check; // stops between batches once stopping is set
      await started; // the start-up refills are queued before the queue closes
      clearTimeout(forced);
      await closeRedisConnection(workerConnection);
      ops.closeAllConnections();
      await new Promise((resolve) => ops.close(resolve));
      await queue.close();
      await redis.quit().catch(() => undefined);
      logger.info('worker stopped');
    },
  };
}

if (isMainModule(import.meta.url)) runService('worker', () => startWorker());
