import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  CaptchaMetrics,
  createRegistry,
  registerPoolGauges,
  registerQueueGauges,
  RenderMetrics,
} from '../../shared/metrics/captcha-metrics.js';
import { SiteLabels } from '../../shared/metrics/site-labels.js';
import { promtool, promtoolPath } from '../support/promtool.js';

const DASHBOARD = 'deploy/grafana/captcha-cluster.json';
const RULES = 'deploy/prometheus/alert-rules.yml';

/** Every series name the two services can export, histograms expanded. */
async function exportedNames(): Promise<Set<string>> {
  const api = createRegistry('api');
  new CaptchaMetrics(api, new SiteLabels(10));
  const pool = { shards: 1, target: 1, lowWatermark: 0, depths: () => Promise.resolve([0]) };
  registerPoolGauges(api, pool, () => undefined);
  const worker = createRegistry('worker');
  new RenderMetrics(worker);
  registerPoolGauges(worker, pool, () => undefined);
  registerQueueGauges(worker, { getJobCounts: () => Promise.resolve({}) }, () => undefined);
  const names = new Set<string>();
  for (const registry of [api, worker] as Registry[]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

const METRIC_NAME = /\b(captcha_[a-z_]+|http_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)\b/g;

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

function ruleExpressions(): string[] {
  return [...readFileSync(RULES, 'utf8').matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((match) => match[1] ?? '');
}

describe('Grafana dashboard and alert rules', () => {
  it('use only metric names the services export', async () => {
    const names = await exportedNames();
    const used = new Set([...dashboardExpressions(), ...ruleExpressions()].flatMap((expr) => [...expr.matchAll(METRIC_NAME)].map((m) => m[1] ?? '')));
    expect(used.size).toBeGreaterThan(10);
    const unknown = [...used].filter((name) => !names.has(name));
    expect(unknown).toEqual([]);
  });

  it('template the dashboard on datasource, namespace and site, with the panels operators need', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { templating: { list: { name: string }[] }; panels: { title: string }[] };
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'namespace', 'site']);
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const title of ['Solve rate per site', 'Verification outcomes', 'Issue rate', 'Pool depth against target', 'Render rate and batch latency', 'API latency', 'Errors: 4xx and 5xx', 'Render queue']) {
      expect(titles).toContain(title);
    }
    for (const expr of dashboardExpressions()) expect(expr).toContain('namespace=~"$namespace"');
  });

  it('select on the component label, never on `service`, which the Prometheus Operator rewrites', () => {
    const expressions = [...dashboardExpressions(), ...ruleExpressions()];
    expect(expressions.filter((expr) => /\bcomponent=/.test(expr)).length).toBeGreaterThan(3);
    for (const expr of expressions) expect(expr).not.toMatch(/\bservice\s*(=|!=|=~|!~)|by \([^)]*\bservice\b/);
  });

  it('give every alert a summary and a runbook line', () => {
    const alerts = readFileSync(RULES, 'utf8').split('- alert: ').slice(1);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) {
      expect(alert).toMatch(/summary: \S/);
      expect(alert).toMatch(/runbook: \S/);
    }
  });

  it('pass promtool check rules and the rule unit tests', () => {
    // Fails, never skips, without its tool: .ci/run installs it (Debian: prometheus).
    expect(promtoolPath(), 'promtool is required: apt-get install prometheus').toBeDefined();
    const check = promtool(['check', 'rules', RULES]);
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
    const tests = promtool(['test', 'rules', 'deploy/prometheus/alert-rules.test.yml']);
    expect(tests.output).toContain('SUCCESS');
    expect(tests.status).toBe(0);
  });
});
