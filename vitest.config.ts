import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One test file at a time: the cluster, browser and benchmark tiers start real
    // processes and time real expiries, and must not fight each other for 2 cores.
    maxWorkers: 1,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-redis.ts', 'test/support/openapi-exercised.ts'],
          // Every response a test receives is checked against the OpenAPI description.
          setupFiles: ['test/support/openapi-responses.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The same integration tests on a real 3-primary, 3-replica Redis Cluster (tooling/redis-cluster.ts).
          name: 'integration-cluster',
          include: ['test/integration/**/*.test.ts'],
          // These two start a redis-server of their own (full, or with a password): standalone only.
          exclude: ['test/integration/full-redis.test.ts', 'test/integration/redis-auth.test.ts'],
          globalSetup: ['test/support/global-redis-cluster.ts', 'test/support/openapi-exercised.ts'],
          setupFiles: ['test/support/openapi-responses.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: { name: 'bench', include: ['test/bench/**/*.test.ts'], testTimeout: 300_000, fileParallelism: false },
      },
      {
        test: { name: 'deploy', include: ['test/deploy/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // A browser's answer (a solve, a verify) can take over a second on 2 shared cores: poll for it up to 10 s.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
