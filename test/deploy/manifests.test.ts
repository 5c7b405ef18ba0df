import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configDocs } from '../../shared/config.js';
import { renderChart } from '../support/helm-template.js';
import { envNames, kustomize, parseYamlDocuments, reviewProblems, schemaErrors, typeErrors, type K8sObject } from '../support/k8s-checks.js';

const CHART = 'deploy/helm/captcha-cluster';
const configNames = new Set(configDocs().map((doc) => doc.name));

function expectDeployable(objects: K8sObject[], label: string): void {
  expect(objects.length).toBeGreaterThan(5);
  expect(schemaErrors(objects)).toEqual([]);
  expect(typeErrors(objects, label)).toEqual([]);
  expect(reviewProblems(objects)).toEqual([]);
  const unknownEnv = envNames(objects).filter((name) => !configNames.has(name));
  expect(unknownEnv).toEqual([]);
}

const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind).sort();

describe('plain manifests (kustomize)', () => {
  it('render the base with kubectl kustomize k8s/ and pass every check', () => {
    const objects = kustomize('k8s');
    expectDeployable(objects, 'kustomize-base');
    expect(kinds(objects)).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'Service', 'Service', 'Service', 'StatefulSet'],
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
    expect(schemaErrors(example)).toEqual([]);
    expect(example[0]?.stringData?.TOKEN_SECRET).toBe('');
    expect(envNames(example).every((name) => configNames.has(name))).toBe(true);
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
    const config = objects.find((o) => o.metadata.name === 'captcha-config');
    expect(config?.data?.REDIS_URL).toBe('rediss://redis.example.internal:6380');
    expect(notes).toContain('https://captcha.example.com/3.0/captcha');
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
    expect(typeErrors(objects, 'negative').join('\n')).toMatch(/livenessProbes/);
    expect(reviewProblems(objects).join('\n')).toMatch(/missing a probe/);
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

  it('is multi-stage on a pinned Node 20 slim base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:20\.\d+\.\d+-[a-z]+-slim\b/);
  });

  it('installs only production dependencies in the runtime stage and runs as a non-root user', () => {
    const runtime = stages[stages.length - 1] ?? '';
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER (?!root|0\b)\S+/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist/);
    expect(runtime).toMatch(/^CMD \["dist\/services\/api\/main.js"\]/m);
  });

  it('keeps local build output and dependencies out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});
