import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSlot } from '../../shared/adapters/redis/hash-slot.js';
import { poolShardTag } from '../../shared/adapters/redis/keys.js';
import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { waitFor } from '../../tooling/wait-for.js';
import { startServicesUnderTest, type ServicesUnderTest } from '../support/services-under-test.js';
import { startRedisCluster, type RedisClusterServer } from '../../tooling/redis-cluster.js';
import { during, startSteadyLoad, type LoadReport } from '../support/steady-load.js';

const ORIGIN = 'https://shop.example';
/** Cluster node timeout of the test Cluster: a silent primary is failed over after about this long. */
const NODE_TIMEOUT_MS = 2000;
/** The stated bound: from killing a primary to the last failed request. */
const RECOVERY_BOUND_MS = 15_000;

function summary(report: LoadReport): string {
  return `${report.lifecycles} lifecycles, ${report.count503} 503s, first failure +${report.firstFailureMs} ms, last failure +${report.recoveryMs} ms`;
}

/**
 * Two API processes and a worker on a real 3-primary, 3-replica Redis Cluster
 * (cluster-node-timeout 2 s), with clients going through whole captcha and
 * token lifecycles all the while.
 */
describe('the service on a real Redis Cluster', () => {
  let redis: RedisClusterServer;
  let under: ServicesUnderTest | undefined;
  let bases: string[];
  let answers: CaptchaAnswers;
  let site: { sitekey: string; apiKey: string; origin: string };

  beforeAll(async () => {
    redis = await startRedisCluster({ password: 'cluster-fault-password', nodeTimeoutMs: NODE_TIMEOUT_MS });
    // Few shards, so that a quarter of all issues meet the migrating slot of shard 1.
    under = await startServicesUnderTest({ REDIS_CLUSTER_NODES: redis.nodes, REDIS_PASSWORD: redis.password }, { origin: ORIGIN, shards: 4 });
    ({ bases, answers, site } = under);
  }, 120_000);

  afterAll(async () => {
    await under?.stop();
    await redis?.stop();
  });

  it('keeps single use and answers again within the bound when a primary is killed and its replica takes over', async () => {
    // The primary that holds pool shard 0 and the captchas issued from it.
    const victim = await redis.ownerOf(hashSlot(poolShardTag(0)));
    const { replicaOf } = await redis.topology();
    const heir = [...replicaOf].find(([, primary]) => primary === victim)?.[0];
    expect(heir).toBeDefined();

    const load = startSteadyLoad({ bases, answers, clients: 4, site });
    await during(3000);
    load.fault();
    const killedAt = Date.now();
    await redis.kill(victim);
    await waitFor(async () => (await redis.topology()).primaries.includes(heir!), 30_000, 'the replica to take over');
    const promotedMs = Date.now() - killedAt;
    await during(12_000);
    const report = await load.stop();
    console.log(`primary killed: replica promoted after ${promotedMs} ms; ${summary(report)}`);

    expect(report.unexpected).toEqual([]);
    expect(report.doubleSuccesses).toEqual([]);
    expect(report.recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(report.lifecycles).toBeGreaterThan(50);
    // Every request in the last 5 s of the run succeeded.
    const tail = report.events.filter((event) => event.at > Date.now() - 5000 && event.step !== 'recheck' && event.step !== 'reverify');
    expect(tail.every((event) => event.success)).toBe(true);
    await redis.waitHealthy();
  });

  it('absorbs a slot migration under traffic: the slot of a pool shard moves to another primary with no failed request', async () => {
    const slot = hashSlot(poolShardTag(1));
    const source = await redis.ownerOf(slot);
    const { primaries } = await redis.topology();
    const target = primaries.find((port) => port !== source)!;
    const id = async (port: number) => (await redis.node(port).call('CLUSTER', 'MYID')) as string;
    const [sourceId, targetId] = [await id(source), await id(target)];

    const load = startSteadyLoad({ bases, answers, clients: 4, site });
    await during(3000);
    for (const port of [source, target]) await redis.node(port).call('CONFIG', 'RESETSTAT');
    load.fault();
    const migratedAt = Date.now();
    // The documented resharding steps, as `redis-cli --cluster reshard` takes them, for one slot,
    // with pauses so that traffic meets the slot half-moved: ASK redirections, and TRYAGAIN for the
    // issuing script, whose pool list and new captcha key are then on different nodes.
    await redis.node(target).call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId);
    await redis.node(source).call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    await during(150);
    let moved = 0;
    for (;;) {
      const keys = (await redis.node(source).call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
      if (keys.length === 0) break;
      await redis.node(source).call('MIGRATE', '127.0.0.1', target, '', 0, 5000, 'AUTH', redis.password, 'KEYS', ...keys);
      moved += keys.length;
    }
    await during(150);
    for (const port of [target, source, ...primaries.filter((port) => port !== target && port !== source)]) {
      await redis.node(port).call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
    }
    const migrationMs = Date.now() - migratedAt;
    const redirected = (await Promise.all([source, target].map((port) => redis.node(port).info('errorstats'))))
      .join('')
      .match(/errorstat_(ASK|TRYAGAIN|MOVED):count=\d+/g);
    await during(5000);
    const report = await load.stop();
    console.log(`slot ${slot} migrated (${moved} keys) in ${migrationMs} ms under load; redirections absorbed: ${redirected?.join(', ') ?? 'none'}; ${summary(report)}`);

    expect(await redis.ownerOf(slot)).toBe(target);
    expect(moved).toBeGreaterThan(0);
    expect(report.unexpected).toEqual([]);
    expect(report.doubleSuccesses).toEqual([]);
    expect(report.count503).toBe(0);
    expect(redirected, 'traffic met the half-moved slot').not.toBeNull();
  });
});
