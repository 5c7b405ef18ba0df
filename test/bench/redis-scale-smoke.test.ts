import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Run {
  lifecycles: number;
  failedChecks: number;
  unrecognisedImages: number;
  httpErrors: number;
  cpuUs: Record<string, number>;
  commandsPerLifecycle: number;
  commands: Record<string, number>;
  busiestPrimaryShare: number;
  netBytesPerLifecycle: { toRedis: number; fromRedis: number; replication: number };
}
interface Report {
  topologies: {
    name: string;
    runs: Run[];
    refill: { captchas: number; commandsPerCaptcha: number; commands: Record<string, number> };
    memory: Record<string, number>;
  }[];
}

const positiveAndFinite = (value: number | undefined): void => {
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeGreaterThan(0);
};

/** A tiny run of npm run bench:redis-scale (built): two seconds, one API process, against one node and a 3-primary Cluster. */
describe('Redis scale benchmark smoke run', () => {
  it('drives whole lifecycles against both topologies and counts what each costs Redis', () => {
    const result = spawnSync(process.execPath, ['dist/bench/redis-scale.js', '2', '1', '4'], { encoding: 'utf8', timeout: 280_000 });
    if (result.status !== 0) throw new Error(`bench:redis-scale failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
    expect(result.stdout).toMatch(/\| 1 node \| 1 \| \d+ \|/);
    expect(result.stdout).toMatch(/\| Cluster, 3 primaries \+ 3 replicas \| 1 \| \d+ \|/);
    const file = /^JSON: (\S+)$/m.exec(result.stdout)?.[1];
    expect(file).toBeDefined();
    const report = JSON.parse(readFileSync(file ?? '', 'utf8')) as Report;

    expect(report.topologies.map((t) => t.name)).toEqual(['1 node', 'Cluster, 3 primaries + 3 replicas']);
    for (const topology of report.topologies) {
      expect(topology.runs).toHaveLength(1);
      const run = topology.runs[0];
      expect(run.lifecycles, topology.name).toBeGreaterThan(0);
      // Every image was recognised, every check was right and no request failed.
      expect({ failedChecks: run.failedChecks, unrecognisedImages: run.unrecognisedImages, httpErrors: run.httpErrors }).toEqual({ failedChecks: 0, unrecognisedImages: 0, httpErrors: 0 });
      positiveAndFinite(run.commandsPerLifecycle);
      // Each lifecycle ran the issue script, read the image and consumed the answer at least once.
      for (const command of ['evalsha', 'get', 'getdel']) expect(run.commands[command], command).toBeGreaterThanOrEqual(1);
      for (const cpu of ['api', 'redisPrimaries', 'busiestPrimary', 'loadGenerator']) positiveAndFinite(run.cpuUs[cpu]);
      // Less what the nodes burn idle: never negative, never more than measured.
      expect(run.cpuUs.busiestPrimaryLessIdle).toBeGreaterThanOrEqual(0);
      expect(run.cpuUs.busiestPrimaryLessIdle).toBeLessThanOrEqual(run.cpuUs.busiestPrimary ?? 0);
      positiveAndFinite(run.netBytesPerLifecycle.toRedis);
      // The image leaves Redis at least once per lifecycle.
      expect(run.netBytesPerLifecycle.fromRedis).toBeGreaterThan(500);
      positiveAndFinite(topology.refill.commandsPerCaptcha);
      expect(topology.refill.commands.lpush).toBeGreaterThan(0);
      for (const [name, bytes] of Object.entries(topology.memory)) {
        expect(bytes, name).toBeGreaterThan(500);
        expect(bytes, name).toBeLessThan(10_000);
      }
    }
    const [node, cluster] = report.topologies.map((t) => t.runs[0]);
    expect(node?.busiestPrimaryShare).toBe(1);
    expect(node?.netBytesPerLifecycle.replication).toBe(0);
    // On the Cluster, the pool's slots spread the commands over more than one primary, and primaries feed replicas.
    expect(cluster?.busiestPrimaryShare).toBeLessThan(1);
    expect(cluster?.netBytesPerLifecycle.replication).toBeGreaterThan(0);
    positiveAndFinite(cluster?.cpuUs.redisReplicas);
  });
});
