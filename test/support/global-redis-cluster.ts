import type { TestProject } from 'vitest/node';
import { startRedisCluster } from '../../tooling/redis-cluster.js';

/**
 * The integration tier again, on a real Redis Cluster: 3 primaries and 3
 * replicas from redis-server, with a password, as production would run it.
 * `testConfig` sees `redisClusterNodes` and configures Cluster mode, so every
 * test, script and multi-key command runs against real slots.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster({ password: 'integration-cluster-password' });
  project.provide('redisUrl', `redis://127.0.0.1:${cluster.ports[0]}`);
  project.provide('redisClusterNodes', cluster.nodes);
  project.provide('redisPassword', cluster.password);
  return () => cluster.stop();
}
