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
  metadata: { name: string; labels?: Record<string, string> };
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

export function parseYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

type Validator = new (data: never) => { validate(): void };

/** Schema validators (kubernetes-models) by apiVersion and kind, CRDs of the Prometheus Operator and KEDA included. */
const VALIDATORS: Record<string, Validator> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/** Validation errors of each object, `kind/name: message`; empty when all pass. */
export function schemaErrors(objects: K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const Model = VALIDATORS[`${object.apiVersion}/${object.kind}`];
    if (!Model) return [`${object.kind}/${object.metadata.name}: no validator for ${object.apiVersion}`];
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      return [`${object.kind}/${object.metadata.name}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}

/** kubernetes-types module of each built-in kind (CRDs have none). */
const TYPE_MODULES: Record<string, string> = {
  v1: 'kubernetes-types/core/v1',
  'apps/v1': 'kubernetes-types/apps/v1',
  'autoscaling/v2': 'kubernetes-types/autoscaling/v2',
  'policy/v1': 'kubernetes-types/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-types/networking/v1',
};

/**
 * Type-checks every built-in object against kubernetes-types with tsc: as
 * object literals, any field Kubernetes does not know is an error (the schema
 * validators above let unknown fields through).
 */
export function typeErrors(objects: K8sObject[], label: string): string[] {
  const dir = join('test-output', 'k8s-types');
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  objects.forEach((object, index) => {
    const module = TYPE_MODULES[object.apiVersion];
    if (!module) return;
    lines.push(`export const o${index}: import('${module}').${object.kind} = ${JSON.stringify(object, null, 2)};`);
  });
  const file = join(dir, `${label}.ts`);
  writeFileSync(file, `${lines.join('\n\n')}\n`);
  const result = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--module', 'esnext', '--moduleResolution', 'bundler', '--types', 'node', file],
    { encoding: 'utf8' },
  );
  return result.status === 0 ? [] : result.stdout.split('\n').filter((line) => line.includes('error TS'));
}

type Container = {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
};
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } } };

export function workloads(objects: K8sObject[]): (K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate } })[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as never;
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
