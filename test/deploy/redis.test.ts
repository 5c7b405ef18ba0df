import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/runtime/config.js';
import { redisMode } from '../../shared/adapters/redis/connection.js';
import { deepMerge, renderChart } from '../support/helm-template.js';
import { containerEnv, kustomize, secretAccess, strictSchemaErrors, workloadOf, workloads, type K8sObject } from '../support/k8s-checks.js';

const CHART = 'deploy/helm/captcha-cluster';
const TOKEN = { secrets: { tokenSecret: 't'.repeat(48) } };
/** Secrets made by hand beside the manifests, as the docs say to. */
const HAND_MADE = {
  'captcha-secrets': { TOKEN_SECRET: 't'.repeat(48), REDIS_PASSWORD: 'hand-made-password' },
  'managed-redis': { password: 'managed-password' },
  'redis-cluster': { 'redis-password': 'cluster-password' },
  redis: { 'redis-password': 'sentinel-set-password' },
};

/** The bundled Redis is gone, whole. */
function expectNoBundledRedis(objects: K8sObject[]): void {
  expect(workloads(objects).map((w) => w.spec.template.metadata.labels['app.kubernetes.io/component']).sort()).toEqual(['api', 'worker']);
  expect(objects.filter((o) => o.metadata.name.endsWith('-redis') || o.metadata.name.endsWith('-redis-headless'))).toEqual([]);
}

/** What the API and the worker would connect to, read by the service's own config loader from the env their pods get. */
function connectionOf(objects: K8sObject[], component: string) {
  const config = loadConfig(containerEnv(objects, component, HAND_MADE));
  return {
    mode: redisMode(config),
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes.map((n) => `${n.host}:${n.port}`),
    sentinels: config.redisSentinels.map((n) => `${n.host}:${n.port}`),
    sentinelName: config.redisSentinelName,
    tls: config.redisTls,
    password: config.redisPassword,
  };
}

/** Renders a kustomization of the base plus one component, as an overlay would use it. */
function baseWith(component: string): K8sObject[] {
  const dir = join('test-output', 'kustomize', component.replaceAll('/', '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(dir, 'k8s/base')}\ncomponents:\n  - ${relative(dir, component)}\n`,
  );
  return kustomize(dir);
}

const UNITS: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
const QUANTITY: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** redis.conf's maxmemory, in bytes (Redis: 1m = 10^6, 1mb = 2^20). */
function redisBytes(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  if (!match || unit === undefined) throw new Error(`not a Redis memory size: ${value}`);
  return Number(match[1]) * unit;
}

/** A Kubernetes memory quantity, in bytes. */
function quantityBytes(value: string): number {
  const match = /^(\d+)([kMGKi]*)$/.exec(value);
  const unit = QUANTITY[match?.[2] ?? 'x'];
  if (!match || unit === undefined) throw new Error(`not a memory quantity: ${value}`);
  return Number(match[1]) * unit;
}

/** maxmemory over the Redis container's memory limit. */
function maxmemoryShare(objects: K8sObject[]): number {
  const conf = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-redis'))?.data?.['redis.conf'] ?? '';
  const maxmemory = /^maxmemory (\S+)$/m.exec(conf)?.[1];
  const limit = workloadOf(objects, 'redis').spec.template.spec.containers.find((c) => c.name === 'redis')?.resources?.limits?.memory;
  if (!maxmemory || !limit) throw new Error('no maxmemory or no memory limit');
  return redisBytes(maxmemory) / quantityBytes(limit);
}

describe('the bundled Redis', () => {
  it('keeps maxmemory between 50% and 70% of its memory limit, leaving room for the fork of an AOF rewrite', () => {
    for (const [label, objects] of [
      ['kustomize', kustomize('k8s')],
      ['helm', renderChart(CHART, TOKEN).objects],
    ] as const) {
      const share = maxmemoryShare(objects);
      expect(share, label).toBeGreaterThanOrEqual(0.5);
      expect(share, label).toBeLessThanOrEqual(0.7);
    }
  });

  it('reads Redis memory sizes and Kubernetes quantities as each defines them, so the share check can fail', () => {
    expect(redisBytes('320mb')).toBe(320 * 2 ** 20);
    expect(redisBytes('320m')).toBe(320e6);
    expect(redisBytes('1GB')).toBe(2 ** 30);
    expect(quantityBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(quantityBytes('1G')).toBe(1e9);
    expect(maxmemoryShare(renderChart(CHART, deepMerge(TOKEN, { redis: { maxmemory: '480mb' } })).objects)).toBeGreaterThan(0.9);
  });

  it('takes its password, and gives the API and the worker theirs, from a Secret of its own when asked', () => {
    const { objects } = renderChart(CHART, deepMerge(TOKEN, { redis: { auth: { existingSecret: 'redis-auth', existingSecretPasswordKey: 'pw' } } }));
    expect(strictSchemaErrors(objects, 'helm-redis-auth')).toEqual([]);
    const redis = workloadOf(objects, 'redis').spec.template.spec.containers[0];
    for (const name of ['REDIS_PASSWORD', 'REDISCLI_AUTH']) {
      expect(redis?.env?.find((v) => v.name === name)?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'pw' });
    }
    expect(objects.find((o) => o.kind === 'Secret')?.stringData?.REDIS_PASSWORD).toBeUndefined();
    for (const component of ['api', 'worker']) {
      expect(secretAccess(workloadOf(objects, component))).toContain('redis-auth/pw');
      expect(loadConfig(containerEnv(objects, component, { 'redis-auth': { pw: 'from-its-own-secret' } })).redisPassword).toBe('from-its-own-secret');
    }
  });
});

describe('an external Redis (kustomize)', () => {
  it('k8s/components/external-redis drops the bundled Redis and the URL that named it; the Secret\'s REDIS_URL reaches both services', () => {
    const objects = baseWith('k8s/components/external-redis');
    expect(strictSchemaErrors(objects, 'kustomize-external-redis')).toEqual([]);
    expectNoBundledRedis(objects);
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'captcha-config')?.data?.REDIS_URL).toBeUndefined();
    const outside = { ...HAND_MADE, 'captcha-secrets': { ...HAND_MADE['captcha-secrets'], REDIS_URL: 'rediss://cache.example.internal:6380' } };
    for (const component of ['api', 'worker']) {
      const config = loadConfig(containerEnv(objects, component, outside));
      expect({ component, mode: redisMode(config), url: config.redisUrl, password: config.redisPassword }).toEqual({
        component,
        mode: 'standalone',
        url: 'rediss://cache.example.internal:6380',
        password: 'hand-made-password',
      });
    }
  });

  it('overlays/external-redis-cluster and -sentinel configure both services for Cluster and Sentinel', () => {
    const cluster = kustomize('k8s/overlays/external-redis-cluster');
    const sentinel = kustomize('k8s/overlays/external-redis-sentinel');
    for (const [label, objects] of [['cluster', cluster], ['sentinel', sentinel]] as const) {
      expect(strictSchemaErrors(objects, `kustomize-external-${label}`)).toEqual([]);
      expectNoBundledRedis(objects);
    }
    for (const component of ['api', 'worker']) {
      expect(connectionOf(cluster, component)).toMatchObject({
        mode: 'cluster',
        clusterNodes: ['redis-cluster-0.redis-cluster.redis.svc:6379', 'redis-cluster-1.redis-cluster.redis.svc:6379', 'redis-cluster-2.redis-cluster.redis.svc:6379'],
        tls: true,
        password: 'hand-made-password',
      });
      expect(connectionOf(sentinel, component)).toMatchObject({
        mode: 'sentinel',
        sentinels: ['sentinel-0.sentinel.redis.svc:26379', 'sentinel-1.sentinel.redis.svc:26379', 'sentinel-2.sentinel.redis.svc:26379'],
        sentinelName: 'captcha',
        tls: false,
        password: 'hand-made-password',
      });
    }
  });
});

describe('an external Redis (Helm)', () => {
  const render = (values: Record<string, unknown>, label: string) => {
    const { objects } = renderChart(CHART, deepMerge(TOKEN, values));
    expect(strictSchemaErrors(objects, label)).toEqual([]);
    expectNoBundledRedis(objects);
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'captcha-config')?.data?.REDIS_URL).toBeUndefined();
    return objects;
  };

  it('standalone over TLS: the rediss:// URL in the chart\'s Secret, the password from the managed Redis\'s Secret', () => {
    const objects = render({ redis: { enabled: false, externalUrl: 'rediss://captcha-redis.example.internal:6380', auth: { existingSecret: 'managed-redis', existingSecretPasswordKey: 'password' } } }, 'helm-external-standalone');
    for (const component of ['api', 'worker']) {
      expect(connectionOf(objects, component)).toMatchObject({ mode: 'standalone', url: 'rediss://captcha-redis.example.internal:6380', password: 'managed-password' });
    }
  });

  it('Cluster: the nodes, TLS and an ACL user in the ConfigMap, the password from its Secret, for both services', () => {
    const objects = render(
      {
        redis: {
          enabled: false,
          auth: { existingSecret: 'redis-cluster', existingSecretPasswordKey: 'redis-password' },
          external: { clusterNodes: ['node-0.redis:6379', 'node-1.redis:6379', 'node-2.redis:6379'], tls: true, username: 'captcha' },
        },
      },
      'helm-external-cluster',
    );
    for (const component of ['api', 'worker']) {
      expect(connectionOf(objects, component)).toMatchObject({ mode: 'cluster', clusterNodes: ['node-0.redis:6379', 'node-1.redis:6379', 'node-2.redis:6379'], tls: true, password: 'cluster-password' });
      expect(loadConfig(containerEnv(objects, component, HAND_MADE)).redisUsername).toBe('captcha');
    }
  });

  it('Sentinel: the Sentinels and the primary\'s name in the ConfigMap; a password in an existing Secret reaches both services', () => {
    const objects = render(
      { secrets: { existingSecret: 'captcha-secrets' }, redis: { enabled: false, external: { sentinels: ['s-0.redis:26379', 's-1.redis:26379', 's-2.redis:26379'], sentinelName: 'mymaster' } } },
      'helm-external-sentinel',
    );
    const outside = { ...HAND_MADE, 'captcha-secrets': { ...HAND_MADE['captcha-secrets'], REDIS_SENTINEL_PASSWORD: 'sentinels-own' } };
    for (const component of ['api', 'worker']) {
      expect(connectionOf(objects, component)).toMatchObject({ mode: 'sentinel', sentinels: ['s-0.redis:26379', 's-1.redis:26379', 's-2.redis:26379'], sentinelName: 'mymaster', tls: false, password: 'hand-made-password' });
      expect(loadConfig(containerEnv(objects, component, outside)).redisSentinelPassword).toBe('sentinels-own');
    }
  });

  it('refuses Cluster and Sentinel at once, and an external Redis it cannot find', () => {
    expect(() => renderChart(CHART, deepMerge(TOKEN, { redis: { enabled: false, external: { clusterNodes: ['a:6379'], sentinels: ['b:26379'] } } }))).toThrow(/schema/);
    expect(() => renderChart(CHART, deepMerge(TOKEN, { redis: { enabled: false } }))).toThrow(/schema/);
  });
});
