import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../../tooling/redis-server.js';

/**
 * One real Redis for the integration tier: REDIS_URL when set, else a Redis
 * container when a Docker engine answers, else a redis-server process.
 * Every test uses its own random key prefix, so they never see each other.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return () => Promise.resolve();
  }
  const container = await startContainer();
  if (container) {
    project.provide('redisUrl', container.url);
    return container.stop;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}

async function startContainer(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const started = await new GenericContainer('redis:7-alpine')
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .withStartupTimeout(30_000)
      .start();
    return {
      url: `redis://${started.getHost()}:${started.getMappedPort(6379)}`,
      stop: async () => {
        await started.stop();
      },
    };
  } catch {
    return undefined; // no Docker engine here: fall back to a local redis-server
  }
}
