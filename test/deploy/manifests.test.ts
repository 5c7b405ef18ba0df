import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configDocs } from '../../shared/runtime/config.js';
import { renderChart } from '../support/helm-template.js';
import {
  envNames,
  exposureProblems,
  kustomize,
  parseYamlDocuments,
  redisPasswordProblems,
  reviewProblems,
  schemaErrors,
  secretAccess,
  strictSchemaErrors,
  typeErrors,
  workloadOf,
  type Container,
  type K8sObject,
} from '../support/k8s-checks.js';

const CHART = 'deploy/helm/captcha-cluster';
const configNames = new Set(configDocs().map((doc) => doc.name));

function expectDeployable(objects: K8sObject[], label: string): void {
  expect(objects.length).toBeGreaterThan(5);
  expect(strictSchemaErrors(objects, label)).toEqual([]);
  expect(reviewProblems(objects)).toEqual([]);
  expect(exposureProblems(objects)).toEqual([]);
  const unknownEnv = envNames(objects).filter((name) => !configNames.has(name));
  expect(unknownEnv).toEqual([]);
}

const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind).sort();
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const container = (objects: K8sObject[], component: string): Container => {
  const found = workloadOf(objects, component).spec.template.spec.containers[0];
  if (!found) throw new Error(`no ${component} container`);
  return found;
};
const portNames = (service: K8sObject | undefined) => (service?.spec as { ports: { name: string }[] } | undefined)?.ports.map((p) => p.name);
const apiMonitorPorts = (objects: K8sObject[]) =>
  objects
    .filter((o) => o.kind === 'ServiceMonitor' && o.metadata.labels?.['app.kubernetes.io/component'] === 'api')
    .flatMap((o) => (o.spec as { endpoints: { port: string }[] }).endpoints.map((e) => e.port));
const ingressPorts = (objects: K8sObject[]) =>
  objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((o) => (o.spec as { rules: { http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[] }).rules)
    .flatMap((rule) => rule.http.paths.map((path) => `${path.backend.service.name}:${path.backend.service.port.name}`));

/** The metrics port is served, scraped and never routed; the public Service does not even name it. */
function expectMetricsOffThePublicPath(objects: K8sObject[], prefix: string): void {
  expect(exposureProblems(objects)).toEqual([]);
  expect(ingressPorts(objects)).toEqual([`${prefix}-api:http`]);
  expect(portNames(find(objects, 'Service', `${prefix}-api`))).toEqual(['http']);
  expect(portNames(find(objects, 'Service', `${prefix}-api-metrics`))).toEqual(['metrics']);
  expect(apiMonitorPorts(objects)).toEqual(['metrics']);
  const ports = container(objects, 'api').ports ?? [];
  const opsPort = ports.find((p) => p.name === 'metrics')?.containerPort;
  expect(opsPort).toBe(9101);
  expect(ports.find((p) => p.name === 'http')?.containerPort).not.toBe(opsPort);
  expect(find(objects, 'ConfigMap', `${prefix}-config`)?.data?.API_OPS_PORT).toBe(String(opsPort));
}

/** Redis requires the Secret's password; the worker reads only the Redis keys and the render style of that Secret. */
function expectRedisPasswordAndNoTokenSecretInWorker(objects: K8sObject[], secret: string): void {
  expect(redisPasswordProblems(objects, secret)).toEqual([]);
  const worker = workloadOf(objects, 'worker');
  expect(secretAccess(worker)).toEqual([`${secret}/REDIS_PASSWORD`, `${secret}/REDIS_SENTINEL_PASSWORD`, `${secret}/REDIS_URL`, `${secret}/RENDER_STYLE_SECRET`]);
  expect(JSON.stringify(worker.spec.template)).not.toContain('TOKEN_SECRET');
  expect(secretAccess(workloadOf(objects, 'api'))).toEqual([`${secret}/*`]);
}

describe('plain manifests (kustomize)', () => {
  it('render the base with kubectl kustomize k8s/ and pass every check', () => {
    const objects = kustomize('k8s');
    expectDeployable(objects, 'kustomize-base');
    expect(kinds(objects)).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Service', 'Service', 'Service', 'Service', 'Service', 'StatefulSet'],
    );
    const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'captcha-api') as { spec: { replicas: number } } | undefined;
    expect(api?.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('render the example overlay (Ingress, KEDA, ServiceMonitor) and pass every check', () => {
    const objects = kustomize('k8s/overlays/example');
    expectDeployable(objects, 'kustomize-example');
    for (const kind of ['Ingress', 'ScaledObject', 'ServiceMonitor', 'Namespace']) expect(kinds(objects)).toContain(kind);
  });

  it('keep Redis from evicting keys, and the Secret only as an example', () => {
    const redisConfig = kustomize('k8s').find((o) => o.metadata.name === 'captcha-redis' && o.kind === 'ConfigMap');
    expect(redisConfig?.data?.['redis.conf']).toMatch(/^maxmemory-policy noeviction$/m);
    const example = parseYamlDocuments(readFileSync('k8s/base/secret.example.yaml', 'utf8'));
    expect(strictSchemaErrors(example, 'secret-example')).toEqual([]);
    expect(example[0]?.stringData?.TOKEN_SECRET).toBe('');
    expect(envNames(example).every((name) => configNames.has(name))).toBe(true);
  });

  it('route only the public port: /metrics is on a port no Ingress reaches, and the ServiceMonitor scrapes it', () => {
    expectMetricsOffThePublicPath(kustomize('k8s/overlays/example'), 'captcha');
  });

  it('run Redis with the Secret\'s password, give it to the API and the worker, and no TOKEN_SECRET to the worker', () => {
    const objects = kustomize('k8s');
    expectRedisPasswordAndNoTokenSecretInWorker(objects, 'captcha-secrets');
    expect(find(objects, 'ConfigMap', 'captcha-config')?.data?.REDIS_URL).toBe('redis://captcha-redis:6379');
    const example = parseYamlDocuments(readFileSync('k8s/base/secret.example.yaml', 'utf8'));
    expect(Object.keys(example[0]?.stringData ?? {}).sort()).toEqual(['REDIS_PASSWORD', 'TOKEN_SECRET']);
  });

  it('are installed with a documented command that creates every key of the Secret', () => {
    const commands = readFileSync('docs/deployment.md', 'utf8')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((line) => line.includes('create secret generic captcha-secrets'));
    expect(commands).toHaveLength(1);
    for (const key of ['TOKEN_SECRET', 'REDIS_PASSWORD']) expect(commands[0]).toMatch(new RegExp(`--from-literal=${key}="\\$\\(openssl rand `));
  });
});

describe('Helm chart (rendered by the project\'s Go-template renderer; see helm-template.ts)', () => {
  it('renders with default values and an existing Secret, passing every check', () => {
    const { objects, notes } = renderChart(CHART, { secrets: { existingSecret: 'captcha-secrets' } });
    expectDeployable(objects, 'helm-default');
    expect(kinds(objects)).not.toContain('Secret');
    expect(notes).toContain('kubectl -n captcha port-forward svc/captcha-api 8080:80');
  });

  it('renders with every toggle on and an external Redis, passing every check', () => {
    const { objects, notes } = renderChart(CHART, {
      secrets: { tokenSecret: 'x'.repeat(48) },
      redis: { enabled: false, externalUrl: 'rediss://redis.example.internal:6380' },
      ingress: { enabled: true, tlsSecretName: 'captcha-tls' },
      worker: { keda: { enabled: true } },
      monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
    });
    expectDeployable(objects, 'helm-toggles');
    const found = kinds(objects);
    for (const kind of ['Ingress', 'ScaledObject', 'ServiceMonitor', 'PrometheusRule', 'Secret']) expect(found).toContain(kind);
    expect(found).not.toContain('StatefulSet');
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).toEqual(['captcha-api']);
    expect(find(objects, 'Secret', 'captcha-secrets')?.stringData?.REDIS_URL).toBe('rediss://redis.example.internal:6380');
    expect(find(objects, 'ConfigMap', 'captcha-config')?.data?.REDIS_URL).toBeUndefined();
    expect(notes).toContain('https://captcha.example.com/3.0/captcha');
    expectMetricsOffThePublicPath(objects, 'captcha');
  });

  it('labels ServiceMonitors and PrometheusRules for the Prometheus that should pick them up, and budgets worker disruptions', () => {
    const { objects } = renderChart(CHART, {
      secrets: { tokenSecret: 'x'.repeat(48) },
      monitoring: {
        serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack', team: 'web' } },
      },
    });
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors).toHaveLength(2);
    for (const monitor of monitors) expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(objects.find((o) => o.kind === 'PrometheusRule')?.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', team: 'web' });
    expectDeployable(objects, 'helm-monitoring-labels');
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort();
    expect(budgets).toEqual(['captcha-api', 'captcha-worker']);
    expect((find(objects, 'PodDisruptionBudget', 'captcha-worker') as unknown as { spec: { maxUnavailable: number } }).spec.maxUnavailable).toBe(1);
  });

  it('keeps an external Redis URL, password and all, in the Secret and out of every ConfigMap', () => {
    const url = 'redis://:pw@host:6379';
    const { objects } = renderChart(CHART, { secrets: { tokenSecret: 'x'.repeat(48) }, redis: { enabled: false, externalUrl: url } });
    expect(strictSchemaErrors(objects, 'helm-external-url')).toEqual([]);
    expect(find(objects, 'Secret', 'captcha-secrets')?.stringData?.REDIS_URL).toBe(url);
    for (const object of objects.filter((o) => o.kind !== 'Secret')) expect(JSON.stringify(object)).not.toContain('pw@');
    expect(secretAccess(workloadOf(objects, 'worker'))).toContain('captcha-secrets/REDIS_URL');
    expect(() => renderChart(CHART, { secrets: { existingSecret: 'mine' }, redis: { enabled: false, externalUrl: url } })).toThrow(
      /with secrets.existingSecret, put REDIS_URL in that Secret/,
    );
  });

  it('generates a Redis password by default, gives it to Redis, the API and the worker, and keeps it on upgrade', () => {
    const values = { secrets: { tokenSecret: 'x'.repeat(48) } };
    const { objects } = renderChart(CHART, values);
    expect(strictSchemaErrors(objects, 'helm-redis-password')).toEqual([]);
    const secret = find(objects, 'Secret', 'captcha-secrets');
    const password = secret?.stringData?.REDIS_PASSWORD ?? '';
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expectRedisPasswordAndNoTokenSecretInWorker(objects, 'captcha-secrets');
    // A fresh install gets a fresh password: nothing is a default.
    expect(find(renderChart(CHART, values).objects, 'Secret', 'captcha-secrets')?.stringData?.REDIS_PASSWORD).not.toBe(password);
    // An upgrade reads it back from the Secret the install created.
    const installed = { ...secret, metadata: { name: 'captcha-secrets', namespace: 'captcha' }, data: { REDIS_PASSWORD: Buffer.from(password).toString('base64') } } as K8sObject;
    expect(find(renderChart(CHART, values, [installed]).objects, 'Secret', 'captcha-secrets')?.stringData?.REDIS_PASSWORD).toBe(password);
    const given = renderChart(CHART, { secrets: { tokenSecret: 'x'.repeat(48), redisPassword: 'given-password' } }).objects;
    expect(find(given, 'Secret', 'captcha-secrets')?.stringData?.REDIS_PASSWORD).toBe('given-password');
  });

  it('generates nothing with an existing Secret, and reads Redis\'s password from it', () => {
    const values = { secrets: { existingSecret: 'site-secrets' } };
    const { objects } = renderChart(CHART, values);
    expect(kinds(objects)).not.toContain('Secret');
    expect(renderChart(CHART, values).objects).toEqual(objects);
    expectRedisPasswordAndNoTokenSecretInWorker(objects, 'site-secrets');
    expect(container(objects, 'redis').env?.map((v) => v.valueFrom?.secretKeyRef?.name)).toEqual(['site-secrets', 'site-secrets']);
  });

  it('refuses to render without a token secret: there is no default secret', () => {
    expect(() => renderChart(CHART)).toThrow(/secrets.existingSecret, or secrets.tokenSecret/);
  });

  it('ships the same alert rules and dashboard as deploy/', () => {
    expect(readFileSync(`${CHART}/files/alert-rules.yml`, 'utf8')).toBe(readFileSync('deploy/prometheus/alert-rules.yml', 'utf8'));
    expect(readFileSync(`${CHART}/files/captcha-cluster.json`, 'utf8')).toBe(readFileSync('deploy/grafana/captcha-cluster.json', 'utf8'));
  });
});

describe('the checks themselves', () => {
  const base = () => kustomize('k8s');

  it('catch a wrong type, an unknown field and a missing probe', () => {
    const objects = base();
    const api = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: unknown; template: { spec: { containers: Record<string, unknown>[] } } } };
    api.spec.replicas = 'two';
    expect(schemaErrors(objects).join('\n')).toMatch(/replicas/);
    api.spec.replicas = 2;
    const container = api.spec.template.spec.containers[0] ?? {};
    container.livenessProbes = container.livenessProbe;
    delete container.livenessProbe;
    expect(typeErrors(objects, 'negative').join('\n')).toMatch(/^Deployment\/captcha-api: .*livenessProbes/m);
    expect(reviewProblems(objects).join('\n')).toMatch(/missing a probe/);
  });

  it('are strict as kubeconform -strict: unknown fields in any kind, missing required fields, unknown kinds, duplicate keys', () => {
    const objects = kustomize('k8s/overlays/example');
    expect(strictSchemaErrors(objects, 'strict-clean')).toEqual([]);
    const monitor = find(objects, 'ServiceMonitor', 'captcha-worker') as unknown as { spec: { endpoints: Record<string, unknown>[] } };
    Object.assign(monitor.spec.endpoints[0] ?? {}, { scrapeEvery: '15s' });
    const scaler = find(objects, 'ScaledObject', 'captcha-worker') as unknown as { spec: Record<string, unknown> };
    delete scaler.spec.scaleTargetRef;
    const worker = container(objects, 'worker') as unknown as Record<string, unknown>;
    delete worker.name;
    const errors = strictSchemaErrors([...objects, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }], 'strict-broken');
    expect(errors.filter((e) => e.startsWith('ServiceMonitor/captcha-worker:')).join('\n')).toMatch(/scrapeEvery/);
    expect(errors.filter((e) => e.startsWith('ScaledObject/captcha-worker:')).join('\n')).toMatch(/scaleTargetRef/);
    expect(errors.filter((e) => e.startsWith('Deployment/captcha-worker:')).join('\n')).toMatch(/name/);
    expect(errors).toContain('Widget/w: unknown kind example.com/v1/Widget');
    expect(() => parseYamlDocuments('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { A: "1", A: "2" }\n')).toThrow(/unique/);
  });

  it('catch an Ingress routed to the metrics port, a ServiceMonitor on the public one and a Redis without a password', () => {
    const objects = kustomize('k8s/overlays/example');
    const ingress = find(objects, 'Ingress', 'captcha-api') as unknown as { spec: { rules: { http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[] } };
    const backend = ingress.spec.rules[0]?.http.paths[0]?.backend.service;
    if (backend) backend.port.name = 'metrics';
    expect(exposureProblems(objects).join('\n')).toMatch(/no Service captcha-api port metrics/);
    if (backend) backend.name = 'captcha-api-metrics';
    expect(exposureProblems(objects).join('\n')).toMatch(/routes Service\/captcha-api-metrics port metrics/);
    if (backend) Object.assign(backend, { name: 'captcha-api', port: { name: 'http' } });
    const monitor = find(objects, 'ServiceMonitor', 'captcha-api') as unknown as { spec: { endpoints: { port: string }[] } };
    const endpoint = monitor.spec.endpoints[0];
    if (endpoint) endpoint.port = 'http';
    expect(exposureProblems(objects)).toEqual(['ServiceMonitor/captcha-api: scrapes container port http through Service/captcha-api']);
    const redis = container(objects, 'redis');
    redis.args = ['/etc/redis/redis.conf'];
    const worker = container(objects, 'worker');
    worker.envFrom = [...(worker.envFrom ?? []), { secretRef: { name: 'captcha-secrets' } }];
    expect(redisPasswordProblems(objects, 'captcha-secrets').join('\n')).toMatch(/do not require/);
    expect(secretAccess(workloadOf(objects, 'worker'))).toContain('captcha-secrets/*');
  });

  it('catch a selector that matches nothing and an unpinned image', () => {
    const objects = base();
    const service = objects.find((o) => o.kind === 'Service') as unknown as { spec: { selector: Record<string, string> } };
    service.spec.selector = { app: 'nothing' };
    const worker = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'captcha-worker') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    const first = worker.spec.template.spec.containers[0];
    if (first) first.image = 'registry.example.com/captcha-cluster:latest';
    const problems = reviewProblems(objects).join('\n');
    expect(problems).toMatch(/selects no workload/);
    expect(problems).toMatch(/not pinned/);
  });
});

describe('container image', () => {
  const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  // Stages name their base through a build argument (a local base can stand in); its default is the published image.
  const argDefaults = new Map([...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map(([, name = '', value = '']): [string, string] => [name, value]));
  const bases = stages.map((stage) => stage.replace(/^\$\{(\w+)\}/, (_, name: string) => argDefaults.get(name) ?? ''));

  it('is multi-stage on a pinned Node 24 (LTS) slim base, the version npm test also runs on', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim\b/);
    const tested = /const VERSION = '([\d.]+)'/.exec(readFileSync('scripts/test-on-node-lts.mjs', 'utf8'))?.[1];
    for (const base of bases) expect(base.startsWith(`node:${tested ?? 'unknown'}-`)).toBe(true);
  });

  it('installs only production dependencies in the runtime stage and runs as a non-root user', () => {
    const runtime = stages[stages.length - 1] ?? '';
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER (?!root|0\b)\S+/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist/);
    expect(runtime).toMatch(/^CMD \["dist\/services\/api\/main.js"\]/m);
  });

  it('speaks the audio captcha\'s clips with espeak-ng in the build stage only', () => {
    expect(stages[0]).toMatch(/apt-get install[^\n]*\bespeak-ng\b/);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(stages[stages.length - 1]).not.toMatch(/espeak/);
  });

  it('keeps local build output and dependencies out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});
