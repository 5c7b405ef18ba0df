import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configDocs } from '../../shared/runtime/config.js';
import { deepMerge, renderChart, valuesSchemaErrors } from '../support/helm-template.js';
import { secretAccess, strictSchemaErrors, workloadOf, type K8sObject } from '../support/k8s-checks.js';

const CHART = 'deploy/helm/captcha-cluster';
const EXAMPLES = 'deploy/helm/examples';
const TOKEN = { secrets: { tokenSecret: 't'.repeat(48) } };
const defaults = parse(readFileSync(`${CHART}/values.yaml`, 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(`${CHART}/values.schema.json`, 'utf8')) as {
  properties: { config: { propertyNames: { enum: string[] } } };
};
const examples = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => ({ name, values: parse(readFileSync(join(EXAMPLES, name), 'utf8')) as Record<string, unknown> }));

type PodSpec = Record<string, unknown> & { containers: { env?: { name: string }[]; envFrom?: unknown[] }[] };
const pod = (objects: K8sObject[], component: string): { annotations: Record<string, string>; spec: PodSpec } => {
  const { template } = workloadOf(objects, component).spec;
  return { annotations: template.metadata.annotations ?? {}, spec: template.spec };
};
const checksums = (objects: K8sObject[], component: string) => {
  const { annotations } = pod(objects, component);
  return { config: annotations['checksum/config'], secret: annotations['checksum/secret'] };
};
const secretOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Secret');
/** The chart's Secret as the cluster holds it after an install: data, base64. */
const installed = (objects: K8sObject[]): K8sObject => {
  const secret = secretOf(objects);
  if (!secret?.stringData) throw new Error('no Secret rendered');
  const data = Object.fromEntries(Object.entries(secret.stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata.name, namespace: 'captcha' }, data } as K8sObject;
};

describe('values.schema.json', () => {
  it('accepts the default values and every example values file', () => {
    expect(valuesSchemaErrors(CHART, defaults)).toEqual([]);
    expect(examples.map((e) => e.name).sort()).toEqual(['production.yaml', 'redis-cluster.yaml', 'redis-sentinel.yaml', 'redis-standalone.yaml']);
    for (const example of examples) expect({ [example.name]: valuesSchemaErrors(CHART, deepMerge(defaults, example.values)) }).toEqual({ [example.name]: [] });
  });

  it('refuses wrong values, and Helm\'s refusal stops the render', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ api: { replicas: 'two' } }, /\/api\/replicas: must be integer/],
      [{ image: { tag: 'latest' } }, /\/image\/tag: must match pattern/],
      [{ config: { LOG_LEVL: 'debug' } }, /\/config: must be equal to one of the allowed values/],
      [{ config: { TOKEN_SECRET: 's'.repeat(48) } }, /\/config: must be equal to one of the allowed values/],
      [{ config: { PORT: '9000' } }, /\/config: must be equal to one of the allowed values/],
      [{ secrets: { tokenSecret: 'too-short' } }, /\/secrets\/tokenSecret: must NOT have fewer than 32 characters/],
      [{ redis: { maxmemory: '1 GB' } }, /\/redis\/maxmemory: must match pattern/],
      [{ redis: { enabled: false } }, /must match "then" schema/],
      [{ redis: { enabled: false, external: { clusterNodes: ['a:6379'], sentinels: ['b:26379'] } } }, /: must NOT be valid/],
      [{ redis: { external: { clusterNodes: ['a:6379'] } } }, /\/redis\/external\/clusterNodes: must NOT have more than 0 items/],
      [{ redis: { enabled: false, external: { clusterNodes: ['no-port'] } } }, /\/redis\/external\/clusterNodes\/0: must match pattern/],
      [{ api: { podAnnotations: { 'example.com/n': 1 } } }, /\/api\/podAnnotations\/example\.com~1n: must be string/],
      [{ worker: { nodeSelecter: { pool: 'x' } } }, /\/worker: must NOT have additional properties \(nodeSelecter\)/],
      [{ ingress: { host: 'Captcha Example' } }, /\/ingress\/host: must match pattern/],
    ];
    for (const [values, message] of refused) {
      expect(valuesSchemaErrors(CHART, deepMerge(defaults, deepMerge(TOKEN, values))).join('\n')).toMatch(message);
      expect(() => renderChart(CHART, deepMerge(TOKEN, values))).toThrow(/values don't meet the schema/);
    }
  });

  it('allows in `config` exactly the documented variables the chart does not set itself and that are not secret', () => {
    const chartSet = ['PORT', 'HOST', 'API_OPS_PORT', 'WORKER_PORT', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_TLS', 'REDIS_USERNAME'];
    const secret = ['TOKEN_SECRET', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'RENDER_STYLE_SECRET', 'DEMO_API_KEY', 'ADMIN_TOKEN_SHA256'];
    const expected = configDocs()
      .map((doc) => doc.name)
      .filter((name) => !chartSet.includes(name) && !secret.includes(name));
    const listed = schema.properties.config.propertyNames.enum;
    const missing = expected.filter((name) => !listed.includes(name));
    expect(missing, 'a new variable of shared/runtime/config.ts: add it to config.propertyNames.enum in values.schema.json').toEqual([]);
    expect(listed.filter((name) => !expected.includes(name)), 'not a variable the chart may take in config').toEqual([]);
  });
});

describe('Helm chart: checksums roll the pods on a config or secret change', () => {
  const values = deepMerge(TOKEN, { secrets: { redisPassword: 'p'.repeat(32) } });

  it('annotates API and worker pods with stable hashes that follow the ConfigMap and the Secret', () => {
    const base = renderChart(CHART, values).objects;
    for (const component of ['api', 'worker']) {
      const sums = checksums(base, component);
      expect(sums.config).toMatch(/^[0-9a-f]{64}$/);
      expect(sums.secret).toMatch(/^[0-9a-f]{64}$/);
      // The same values render the same pods: nothing rolls on a no-op upgrade.
      expect(checksums(renderChart(CHART, values).objects, component)).toEqual(sums);
      const newConfig = checksums(renderChart(CHART, deepMerge(values, { config: { LOG_LEVEL: 'debug' } })).objects, component);
      expect(newConfig.config).not.toBe(sums.config);
      expect(newConfig.secret).toBe(sums.secret);
      const newPort = checksums(renderChart(CHART, deepMerge(values, { api: { port: 8081 } })).objects, component);
      expect(newPort.config).not.toBe(sums.config);
      const newToken = checksums(renderChart(CHART, deepMerge(values, { secrets: { tokenSecret: 'u'.repeat(48) } })).objects, component);
      expect(newToken.secret).not.toBe(sums.secret);
      expect(newToken.config).toBe(sums.config);
      const newPassword = checksums(renderChart(CHART, deepMerge(values, { secrets: { redisPassword: 'q'.repeat(32) } })).objects, component);
      expect(newPassword.secret).not.toBe(sums.secret);
    }
    // The annotations never carry a secret, only its hash.
    const annotations = JSON.stringify([pod(base, 'api').annotations, pod(base, 'worker').annotations]);
    expect(annotations).not.toContain('t'.repeat(32));
    expect(annotations).not.toContain('p'.repeat(32));
  });

  it('hashes the generated Redis password it writes into the Secret, so the upgrade after an install rolls nothing', () => {
    const install = renderChart(CHART, TOKEN).objects;
    const upgrade = renderChart(CHART, TOKEN, [installed(install)]).objects;
    expect(secretOf(upgrade)?.stringData).toEqual(secretOf(install)?.stringData);
    for (const component of ['api', 'worker']) expect(checksums(upgrade, component)).toEqual(checksums(install, component));
    // Two fresh installs generate two passwords, and their checksums differ with them.
    expect(checksums(renderChart(CHART, TOKEN).objects, 'api').secret).not.toBe(checksums(install, 'api').secret);
  });

  it('hashes an existing Secret as the cluster holds it, so rotating it and upgrading rolls the pods', () => {
    const values = { secrets: { existingSecret: 'site-secrets' } };
    const secret = (token: string) =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'site-secrets', namespace: 'captcha' }, data: { TOKEN_SECRET: Buffer.from(token).toString('base64') } }) as K8sObject;
    const before = checksums(renderChart(CHART, values, [secret('a'.repeat(48))]).objects, 'api');
    expect(checksums(renderChart(CHART, values, [secret('a'.repeat(48))]).objects, 'api')).toEqual(before);
    const after = checksums(renderChart(CHART, values, [secret('b'.repeat(48))]).objects, 'api');
    expect(after.secret).not.toBe(before.secret);
    expect(after.config).toBe(before.config);
  });

  it('rolls Redis on a new redis.conf, and not on a new password, which a rotation hands it without a restart', () => {
    const redisConfig = (objects: K8sObject[]) => pod(objects, 'redis').annotations;
    const base = redisConfig(renderChart(CHART, values).objects);
    expect(Object.keys(base)).toEqual(['checksum/config']);
    expect(redisConfig(renderChart(CHART, deepMerge(values, { secrets: { redisPassword: 'q'.repeat(32), tokenSecret: 'u'.repeat(48) } })).objects)).toEqual(base);
    expect(redisConfig(renderChart(CHART, deepMerge(values, { redis: { maxmemory: '300mb' } })).objects)).not.toEqual(base);
  });

  it('keeps the token secret on an upgrade without it, reading the Secret the install made', () => {
    const install = renderChart(CHART, deepMerge(TOKEN, { secrets: { renderStyleSecret: 'our-style' } })).objects;
    const upgrade = renderChart(CHART, {}, [installed(install)]).objects;
    expect(secretOf(upgrade)?.stringData).toEqual(secretOf(install)?.stringData);
    expect(secretOf(upgrade)?.stringData?.RENDER_STYLE_SECRET).toBe('our-style');
    // Without a cluster to read (helm template), it has to be given.
    expect(() => renderChart(CHART)).toThrow(/secrets.existingSecret, or secrets.tokenSecret/);
  });
});

describe('Helm chart: pod placement and extra environment', () => {
  const tolerations = Array.from({ length: 12 }, (_, i) => ({ key: `dedicated-${i}`, operator: 'Exists', effect: 'NoSchedule' }));
  const spread = [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'api' } } }];
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } };
  const values = deepMerge(TOKEN, {
    imagePullSecrets: [{ name: 'registry-credentials' }],
    api: {
      priorityClassName: 'captcha-critical',
      nodeSelector: { 'node-pool': 'web' },
      tolerations,
      affinity,
      topologySpreadConstraints: spread,
      podAnnotations: { 'example.com/team': 'web' },
      extraEnv: [{ name: 'LOG_LEVEL', value: 'debug' }],
      extraEnvFrom: [{ configMapRef: { name: 'site-settings' } }],
    },
    worker: { priorityClassName: 'captcha-batch', nodeSelector: { 'node-pool': 'compute' }, extraEnv: [{ name: 'UV_THREADPOOL_SIZE_HINT', value: '8' }] },
    redis: { nodeSelector: { 'node-pool': 'storage' }, podAnnotations: { 'backup.example.com/enabled': 'true' } },
  });

  it('renders each value into the pods it is meant for, and passes the strict checks', () => {
    const { objects } = renderChart(CHART, values);
    expect(strictSchemaErrors(objects, 'helm-placement')).toEqual([]);
    const api = pod(objects, 'api');
    expect(api.spec).toMatchObject({ imagePullSecrets: [{ name: 'registry-credentials' }], priorityClassName: 'captcha-critical', nodeSelector: { 'node-pool': 'web' }, affinity });
    // Twelve tolerations keep their order: a list goes by index, never by its indexes as strings.
    expect(api.spec.tolerations).toEqual(tolerations);
    expect(api.spec.topologySpreadConstraints).toEqual(spread);
    expect(api.annotations['example.com/team']).toBe('web');
    expect(api.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(api.spec.containers[0]?.env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect(api.spec.containers[0]?.envFrom?.at(-1)).toEqual({ configMapRef: { name: 'site-settings' } });
    const worker = pod(objects, 'worker');
    expect(worker.spec).toMatchObject({ imagePullSecrets: [{ name: 'registry-credentials' }], priorityClassName: 'captcha-batch', nodeSelector: { 'node-pool': 'compute' } });
    expect(worker.spec.tolerations).toBeUndefined();
    expect(worker.spec.containers[0]?.env?.at(-1)).toEqual({ name: 'UV_THREADPOOL_SIZE_HINT', value: '8' });
    const redis = pod(objects, 'redis');
    expect(redis.spec).toMatchObject({ imagePullSecrets: [{ name: 'registry-credentials' }], nodeSelector: { 'node-pool': 'storage' } });
    expect(redis.annotations['backup.example.com/enabled']).toBe('true');
  });

  it('spreads API pods over nodes and zones by default, and adds nothing that was not asked for', () => {
    const { objects } = renderChart(CHART, TOKEN);
    const api = pod(objects, 'api');
    expect((api.spec.topologySpreadConstraints as { topologyKey: string }[]).map((c) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const component of ['api', 'worker', 'redis']) {
      const { spec } = pod(objects, component);
      for (const field of ['imagePullSecrets', 'priorityClassName', 'nodeSelector', 'tolerations', 'affinity']) expect({ [component]: spec[field] }).toEqual({ [component]: undefined });
    }
    expect(pod(objects, 'api').spec.containers[0]?.env).toBeUndefined();
  });

  it('renders every example values file into manifests that pass the strict checks', () => {
    for (const example of examples) {
      const given = example.values as { secrets?: { existingSecret?: string } };
      const values = given.secrets?.existingSecret ? example.values : deepMerge(TOKEN, example.values);
      const { objects } = renderChart(CHART, values);
      expect({ [example.name]: strictSchemaErrors(objects, `helm-example-${example.name.replace('.yaml', '')}`) }).toEqual({ [example.name]: [] });
    }
  });
});

describe('Helm chart: the admin API token', () => {
  const hash = createHash('sha256').update('an admin token').digest('hex');
  const withHash = (value: string) => deepMerge(TOKEN, { secrets: { adminTokenSha256: value } });

  it('puts the token\'s SHA-256 in the Secret, which only the API pods read, and rolls them when it changes', () => {
    const without = renderChart(CHART, TOKEN).objects;
    expect(secretOf(without)?.stringData).not.toHaveProperty('ADMIN_TOKEN_SHA256');
    const { objects } = renderChart(CHART, withHash(hash));
    expect(strictSchemaErrors(objects, 'helm-admin-token')).toEqual([]);
    const secret = secretOf(objects);
    expect(secret?.stringData?.ADMIN_TOKEN_SHA256).toBe(hash);
    const name = secret?.metadata.name ?? '';
    expect(secretAccess(workloadOf(objects, 'api'))).toContain(`${name}/*`);
    const workerAccess = secretAccess(workloadOf(objects, 'worker'));
    expect(workerAccess.filter((access) => access === `${name}/*` || access.endsWith('/ADMIN_TOKEN_SHA256'))).toEqual([]);
    expect(JSON.stringify(objects.filter((o) => o.kind !== 'Secret'))).not.toContain(hash);
    expect(checksums(objects, 'api').secret).not.toBe(checksums(without, 'api').secret);
  });

  it('takes SHA-256 digests only, in the Secret only', () => {
    expect(secretOf(renderChart(CHART, withHash(`${hash},${hash.toUpperCase()}`)).objects)?.stringData?.ADMIN_TOKEN_SHA256).toContain(',');
    for (const value of ['an admin token', hash.slice(1), `${hash},`]) {
      expect(() => renderChart(CHART, withHash(value)), value).toThrow(/values don't meet the schema/);
    }
    expect(() => renderChart(CHART, deepMerge(TOKEN, { config: { ADMIN_TOKEN_SHA256: hash } }))).toThrow(/values don't meet the schema/);
  });
});
