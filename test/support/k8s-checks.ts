import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

/** `kubectl kustomize DIR`, parsed. */
export function kustomize(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseYamlDocuments(result.stdout);
}

/** Every document of a YAML stream; a duplicate key or any other YAML error throws, as kubectl refuses it. */
export function parseYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      const [error] = document.errors;
      if (error) throw error;
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

type Validator = new (data: never) => { validate(): void };

/**
 * Every kind the manifests may hold, with its kubernetes-models validator
 * (types, enums, formats and required fields, from the Kubernetes OpenAPI
 * schemas and the Prometheus Operator's and KEDA's CRDs) and the TypeScript
 * interface generated from the same schemas. Any other kind is an error.
 */
const KINDS: Record<string, { Model: Validator; type: string }> = {
  'v1/ConfigMap': { Model: ConfigMap, type: "import('kubernetes-models/v1/ConfigMap').IConfigMap" },
  'v1/Secret': { Model: Secret, type: "import('kubernetes-models/v1/Secret').ISecret" },
  'v1/Service': { Model: Service, type: "import('kubernetes-models/v1/Service').IService" },
  'v1/Namespace': { Model: Namespace, type: "import('kubernetes-models/v1/Namespace').INamespace" },
  'apps/v1/Deployment': { Model: Deployment, type: "import('kubernetes-models/apps/v1/Deployment').IDeployment" },
  'apps/v1/StatefulSet': { Model: StatefulSet, type: "import('kubernetes-models/apps/v1/StatefulSet').IStatefulSet" },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    Model: HorizontalPodAutoscaler,
    type: "import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler').IHorizontalPodAutoscaler",
  },
  'policy/v1/PodDisruptionBudget': { Model: PodDisruptionBudget, type: "import('kubernetes-models/policy/v1/PodDisruptionBudget').IPodDisruptionBudget" },
  'networking.k8s.io/v1/NetworkPolicy': { Model: NetworkPolicy, type: "import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').INetworkPolicy" },
  'networking.k8s.io/v1/Ingress': { Model: Ingress, type: "import('kubernetes-models/networking.k8s.io/v1/Ingress').IIngress" },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    Model: ServiceMonitor,
    type: "import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor').IServiceMonitor",
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    Model: PrometheusRule,
    type: "import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule').IPrometheusRule",
  },
  'keda.sh/v1alpha1/ScaledObject': { Model: ScaledObject, type: "import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject').IScaledObject" },
};

const where = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`;
const kindOf = (object: K8sObject) => KINDS[`${object.apiVersion}/${object.kind}`];

/** Value errors of each object (wrong types, enums, formats, missing required fields), `kind/name: message`; empty when all pass. */
export function schemaErrors(objects: K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const kind = kindOf(object);
    if (!kind) return [`${where(object)}: unknown kind ${object.apiVersion}/${object.kind}`];
    try {
      new kind.Model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where(object)}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}

/**
 * Type-checks every object with tsc against the kubernetes-models interface
 * of its kind, as an object literal: a field the schema does not know is an
 * error at any depth, and so is a missing required one (the validators above
 * let unknown fields through). Errors as `kind/name: message`.
 */
export function typeErrors(objects: K8sObject[], label: string): string[] {
  const dir = join('test-output', 'k8s-types');
  mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  const owners: { firstLine: number; object: K8sObject }[] = [];
  let text = '';
  objects.forEach((object, index) => {
    const kind = kindOf(object);
    if (!kind) {
      problems.push(`${where(object)}: unknown kind ${object.apiVersion}/${object.kind}`);
      return;
    }
    owners.push({ firstLine: text.split('\n').length, object });
    text += `export const o${index}: ${kind.type} = ${JSON.stringify(object, null, 2)};\n\n`;
  });
  const file = join(dir, `${label}.ts`);
  writeFileSync(file, text);
  const result = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--skipLibCheck', '--module', 'esnext', '--moduleResolution', 'bundler', '--types', 'node', file],
    { encoding: 'utf8' },
  );
  if (result.status === 0) return problems;
  for (const line of result.stdout.split('\n')) {
    const match = /\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (!match) continue;
    const at = Number(match[1]);
    const owner = owners.filter((o) => o.firstLine <= at).pop();
    problems.push(`${owner ? where(owner.object) : file}: ${match[2] ?? ''}`);
  }
  if (problems.length === 0) problems.push(`tsc failed without a located error: ${result.stdout}${result.stderr}`);
  return problems;
}

/**
 * What kubeconform -strict checks, offline: every kind known, every value of
 * the right type and format, every required field present, no unknown field
 * at any depth. Empty when all pass.
 */
export function strictSchemaErrors(objects: K8sObject[], label: string): string[] {
  return [...schemaErrors(objects), ...typeErrors(objects, label)];
}

type SecretKeyRef = { name: string; key: string; optional?: boolean };
export type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: SecretKeyRef; configMapKeyRef?: SecretKeyRef } };
type KeyItems = { items?: { key: string }[] };
type Volume = {
  name: string;
  secret?: { secretName: string } & KeyItems;
  configMap?: { name: string } & KeyItems;
  projected?: { sources: { secret?: { name: string } & KeyItems }[] };
};
export type Container = {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
};
type PodTemplate = {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[]; securityContext?: { runAsNonRoot?: boolean } };
};
export type Workload = K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate } };

export function workloads(objects: K8sObject[]): Workload[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as never;
}

/** The Deployment or StatefulSet whose pods carry this app.kubernetes.io/component. */
export function workloadOf(objects: K8sObject[], component: string): Workload {
  const found = workloads(objects).filter((w) => w.spec.template.metadata.labels['app.kubernetes.io/component'] === component);
  if (found.length !== 1 || !found[0]) throw new Error(`${found.length} workloads for component ${component}`);
  return found[0];
}

const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** What a reviewer checks by hand, as a list of problems. */
export function reviewProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const pods = workloads(objects);
  for (const workload of pods) {
    const where = `${workload.kind}/${workload.metadata.name}`;
    const { template, selector } = workload.spec;
    if (!matches(selector.matchLabels, template.metadata.labels)) problems.push(`${where}: selector does not match its pod labels`);
    for (const container of template.spec.containers) {
      const at = `${where}/${container.name}`;
      if (!container.livenessProbe || !container.readinessProbe || !container.startupProbe) problems.push(`${at}: missing a probe`);
      if (!container.resources?.requests?.cpu || !container.resources.requests.memory || !container.resources.limits?.memory) {
        problems.push(`${at}: missing resource requests or limits`);
      }
      const security = container.securityContext;
      if (!(security?.runAsNonRoot ?? template.spec.securityContext?.runAsNonRoot)) problems.push(`${at}: may run as root`);
      if (security?.allowPrivilegeEscalation !== false) problems.push(`${at}: allows privilege escalation`);
      if (!security?.capabilities?.drop?.includes('ALL')) problems.push(`${at}: keeps Linux capabilities`);
      if (security?.readOnlyRootFilesystem !== true) problems.push(`${at}: writable root filesystem`);
      const tag = /:([^:/@]+)$/.exec(container.image)?.[1];
      if (!tag || tag === 'latest') problems.push(`${at}: image ${container.image} is not pinned to a tag`);
    }
  }
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const spec = service.spec as { selector: Record<string, string>; ports: { name: string; targetPort: string | number }[] };
    const backing = pods.filter((w) => matches(spec.selector, w.spec.template.metadata.labels));
    if (backing.length === 0) problems.push(`Service/${service.metadata.name}: selects no workload`);
    for (const port of spec.ports) {
      const served = backing.some((w) =>
        w.spec.template.spec.containers.some((c) => c.ports?.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort)),
      );
      if (!served) problems.push(`Service/${service.metadata.name}: targetPort ${String(port.targetPort)} is no container port`);
    }
  }
  const selectorOf: Record<string, (o: K8sObject) => Record<string, string> | undefined> = {
    PodDisruptionBudget: (o) => (o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
    NetworkPolicy: (o) => (o.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels,
  };
  for (const object of objects) {
    const selector = selectorOf[object.kind]?.(object);
    if (selector && !pods.some((w) => matches(selector, w.spec.template.metadata.labels))) problems.push(`${object.kind}/${object.metadata.name}: selects no pods`);
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')) {
    const target = (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
    if (!pods.some((w) => w.kind === 'Deployment' && w.metadata.name === target)) problems.push(`${hpa.kind}/${hpa.metadata.name}: scales no Deployment`);
  }
  for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    const services = objects.filter((o) => o.kind === 'Service' && matches(spec.selector.matchLabels, o.metadata.labels ?? {}));
    const ports = services.flatMap((s) => (s.spec as { ports: { name: string }[] }).ports.map((p) => p.name));
    for (const endpoint of spec.endpoints) if (!ports.includes(endpoint.port)) problems.push(`ServiceMonitor/${monitor.metadata.name}: no Service port ${endpoint.port}`);
  }
  const autoscaled = new Set(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject').map((o) => (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name));
  const twice = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
  for (const name of autoscaled) {
    const owners = twice.filter((n) => n === name).length + objects.filter((o) => o.kind === 'ScaledObject' && (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name).length;
    if (owners > 1) problems.push(`Deployment/${name}: scaled by more than one autoscaler`);
  }
  return problems;
}

/** Environment variable names a ConfigMap or Secret feeds the services. */
export function envNames(objects: K8sObject[]): string[] {
  return objects
    .filter((o) => (o.kind === 'ConfigMap' || o.kind === 'Secret') && !o.metadata.name.includes('redis') && !o.metadata.name.includes('dashboard'))
    .flatMap((o) => Object.keys({ ...o.data, ...o.stringData }));
}

/**
 * Every Secret key a workload's pods can read, as `secret/key`, or
 * `secret/*` where they get the whole Secret (envFrom, a volume without items).
 */
export function secretAccess(workload: Workload): string[] {
  const { containers, initContainers = [], volumes = [] } = workload.spec.template.spec;
  const keys = (name: string, items: { key: string }[] | undefined) => (items ? items.map((item) => `${name}/${item.key}`) : [`${name}/*`]);
  const access = [...containers, ...initContainers].flatMap((container) => [
    ...(container.envFrom ?? []).flatMap((source) => (source.secretRef ? [`${source.secretRef.name}/*`] : [])),
    ...(container.env ?? []).flatMap((variable) => {
      const ref = variable.valueFrom?.secretKeyRef;
      return ref ? [`${ref.name}/${ref.key}`] : [];
    }),
  ]);
  for (const volume of volumes) {
    if (volume.secret) access.push(...keys(volume.secret.secretName, volume.secret.items));
    for (const source of volume.projected?.sources ?? []) if (source.secret) access.push(...keys(source.secret.name, source.secret.items));
  }
  return [...new Set(access)].sort();
}

type ServicePort = { name?: string; port: number; targetPort: string | number };
type ServiceSpec = { selector: Record<string, string>; ports: ServicePort[] };
type Backend = { service?: { name: string; port: { name?: string; number?: number } } };

/** Container ports (name and number) that a Service port lands on. */
function containerPortsBehind(objects: K8sObject[], service: K8sObject, port: ServicePort): { name?: string; containerPort: number; container: Container }[] {
  const spec = service.spec as ServiceSpec;
  return workloads(objects)
    .filter((w) => matches(spec.selector, w.spec.template.metadata.labels))
    .flatMap((w) => w.spec.template.spec.containers)
    .flatMap((container) => (container.ports ?? []).filter((p) => p.name === port.targetPort || p.containerPort === port.targetPort).map((p) => ({ ...p, container })));
}

/**
 * What the outside can reach: every Ingress backend must land on a container
 * port named `http` that shares no number with a `metrics` port, through a
 * Service port not named `metrics`; every ServiceMonitor must scrape ports
 * named `metrics`. Problems as text; empty when all hold.
 */
export function exposureProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const services = objects.filter((o) => o.kind === 'Service');
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const spec = ingress.spec as { defaultBackend?: Backend; rules?: { http?: { paths: { path?: string; backend: Backend }[] } }[] };
    const backends = [spec.defaultBackend, ...(spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => path.backend))].filter(
      (backend): backend is Backend => backend !== undefined,
    );
    for (const backend of backends) {
      const where = `Ingress/${ingress.metadata.name}`;
      if (!backend.service) {
        problems.push(`${where}: a backend that is not a Service`);
        continue;
      }
      const { name, port: wanted } = backend.service;
      const service = services.find((o) => o.metadata.name === name);
      const port = (service?.spec as ServiceSpec | undefined)?.ports.find((p) => (wanted.name !== undefined ? p.name === wanted.name : p.port === wanted.number));
      if (!service || !port) {
        problems.push(`${where}: no Service ${name} port ${String(wanted.name ?? wanted.number)}`);
        continue;
      }
      if (port.name === 'metrics') problems.push(`${where}: routes Service/${name} port metrics`);
      for (const target of containerPortsBehind(objects, service, port)) {
        const metrics = (target.container.ports ?? []).filter((p) => p.name === 'metrics').map((p) => p.containerPort);
        if (target.name !== 'http' || metrics.includes(target.containerPort)) {
          problems.push(`${where}: Service/${name} port ${String(port.name ?? port.port)} lands on container port ${String(target.name ?? target.containerPort)}`);
        }
      }
    }
  }
  for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    const selected = services.filter((o) => matches(spec.selector.matchLabels, o.metadata.labels ?? {}));
    for (const endpoint of spec.endpoints) {
      for (const service of selected) {
        const port = (service.spec as ServiceSpec).ports.find((p) => p.name === endpoint.port);
        if (!port) continue;
        for (const target of containerPortsBehind(objects, service, port)) {
          if (target.name !== 'metrics') problems.push(`ServiceMonitor/${monitor.metadata.name}: scrapes container port ${String(target.name ?? target.containerPort)} through Service/${service.metadata.name}`);
        }
      }
    }
  }
  return problems;
}

const fromSecret = (container: Container, variable: string, secret: string): SecretKeyRef | undefined => {
  const ref = container.env?.find((v) => v.name === variable)?.valueFrom?.secretKeyRef;
  return ref?.name === secret && ref.key === 'REDIS_PASSWORD' ? ref : undefined;
};

/**
 * The bundled Redis (if any) requires the Secret's REDIS_PASSWORD, with no
 * `protected-mode no`, and probes that authenticate; the API and the worker
 * get the same REDIS_PASSWORD. Problems as text; empty when all hold.
 */
export function redisPasswordProblems(objects: K8sObject[], secret: string): string[] {
  const problems: string[] = [];
  const redis = workloads(objects).find((w) => w.spec.template.metadata.labels['app.kubernetes.io/component'] === 'redis');
  if (redis) {
    const container = redis.spec.template.spec.containers.find((c) => c.name === 'redis');
    const args = container?.args ?? [];
    const at = args.indexOf('--requirepass');
    if (at < 0 || args[at + 1] !== '$(REDIS_PASSWORD)') problems.push(`redis: args ${JSON.stringify(args)} do not require $(REDIS_PASSWORD)`);
    for (const variable of ['REDIS_PASSWORD', 'REDISCLI_AUTH']) {
      const ref = container && fromSecret(container, variable, secret);
      // An optional one would leave `$(REDIS_PASSWORD)` unexpanded: a password anyone can read in the manifest.
      if (!ref || ref.optional) problems.push(`redis: ${variable} is not the required ${secret}/REDIS_PASSWORD`);
    }
    const configs = (redis.spec.template.spec.volumes ?? []).flatMap((v) => (v.configMap ? [v.configMap.name] : []));
    for (const config of objects.filter((o) => o.kind === 'ConfigMap' && configs.includes(o.metadata.name))) {
      for (const [file, text] of Object.entries(config.data ?? {})) if (/^\s*protected-mode\s+no\b/m.test(text)) problems.push(`redis: ${file} turns protected mode off`);
    }
  }
  for (const component of ['api', 'worker']) {
    const access = secretAccess(workloadOf(objects, component));
    if (!access.includes(`${secret}/REDIS_PASSWORD`) && !access.includes(`${secret}/*`)) problems.push(`${component}: no REDIS_PASSWORD from ${secret}`);
  }
  return problems;
}

type EnvSource = { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } };

/**
 * The environment the first container of a component's pods starts with, as
 * Kubernetes builds it: envFrom sources in order (a later one wins), then
 * `env`, which wins over them all. ConfigMaps and Secrets come from the
 * manifests, or from `outside` (Secrets made by hand, by name). A missing
 * source or key that is not optional throws, as the pod would not start.
 */
export function containerEnv(objects: K8sObject[], component: string, outside: Record<string, Record<string, string>> = {}): Record<string, string> {
  const first = workloadOf(objects, component).spec.template.spec.containers[0];
  if (!first) throw new Error(`${component}: no container`);
  const source = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined => {
    const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!object) return kind === 'Secret' ? outside[name] : undefined;
    const decoded = Object.fromEntries(Object.entries(object.data ?? {}).map(([key, value]) => [key, kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value]));
    return { ...decoded, ...object.stringData };
  };
  const env: Record<string, string> = {};
  for (const from of (first.envFrom ?? []) as EnvSource[]) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) throw new Error(`${component}: an envFrom source that is neither a ConfigMap nor a Secret`);
    const data = source(from.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
    if (!data && !ref.optional) throw new Error(`${component}: envFrom ${ref.name} does not exist`);
    Object.assign(env, data);
  }
  for (const variable of first.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
      continue;
    }
    const configRef = variable.valueFrom?.configMapKeyRef;
    const secretRef = variable.valueFrom?.secretKeyRef;
    const ref = configRef ?? secretRef;
    if (!ref) continue;
    const value = source(configRef ? 'ConfigMap' : 'Secret', ref.name)?.[ref.key];
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional) throw new Error(`${component}: ${variable.name} needs ${ref.name}/${ref.key}, which does not exist`);
  }
  return env;
}
