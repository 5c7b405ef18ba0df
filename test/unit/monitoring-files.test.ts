import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  CaptchaMetrics,
  createRegistry,
  registerPoolGauges,
  registerQueueGauges,
  RenderMetrics,
} from '../../shared/adapters/metrics/captcha-metrics.js';
import { SiteLabels } from '../../shared/adapters/metrics/site-labels.js';
import { dashboardTypeErrors, metricNames } from '../support/grafana-dashboard.js';
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

type Dashboard = {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
};
const dashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

function dashboardExpressions(): string[] {
  return dashboard().panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** The series a template variable's label_values(…) query reads. */
function variableExpressions(): string[] {
  return dashboard().templating.list.flatMap((variable) => {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const series = query ? /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1] : undefined;
    return series ? [series] : [];
  });
}

type Rule = { expr: string; record?: string };
const rules = (): Rule[] => (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);
const ruleExpressions = (): string[] => rules().map((rule) => rule.expr);
/** Series the rules file records itself, which the rules and the dashboard may read too. */
const recordedNames = (): string[] => rules().flatMap((rule) => (rule.record ? [rule.record] : []));

/** Grafana's own variables, replaced by values of the same kind so that promtool can parse the queries. */
const withoutGrafanaVariables = (expr: string): string => expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\w+/g, 'x');

describe('Grafana dashboard and alert rules', () => {
  it('use only metric names the services export or the rules record', async () => {
    const names = new Set([...(await exportedNames()), ...recordedNames()]);
    const used = new Set([...dashboardExpressions(), ...variableExpressions(), ...ruleExpressions()].flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    const unknown = [...used].filter((name) => !names.has(name));
    expect(unknown).toEqual([]);
  });

  it('query in every panel at least one metric, and only metrics that exist', async () => {
    const names = new Set([...(await exportedNames()), ...recordedNames()]);
    const panels = dashboard().panels;
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const read = metricNames(target.expr);
        expect(read.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        expect(read.filter((name) => !names.has(name)), panel.title).toEqual([]);
      }
    }
  });

  it('find metric names in PromQL, and so a misspelt one, apart from functions, labels, strings and durations', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(captcha_render_batch_duration_seconds_bucket{namespace=~"$namespace", le="1.5"}[5m])))')).toEqual([
      'captcha_render_batch_duration_seconds_bucket',
    ]);
    expect(metricNames('sum by (site) (rate(a_total[5m])) / on (site) group_left sum(b_total offset 1h) > bool 0.5 and absent(captcah_pool_depth)')).toEqual(['a_total', 'b_total', 'captcah_pool_depth']);
  });

  it('type-check the dashboard against @grafana/schema, and the check refuses what Grafana\'s schema does not know', () => {
    const json = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Record<string, unknown>[]; templating: { list: Record<string, unknown>[] } };
    expect(dashboardTypeErrors(json, 'captcha-cluster')).toEqual([]);
    const broken = structuredClone(json);
    Object.assign(broken.panels[0] ?? {}, { gridPosition: { x: 0 } });
    const options = (broken.panels[1] ?? {}).options as { tooltip: Record<string, unknown> };
    options.tooltip.mode = 'several';
    Object.assign(broken.templating.list[1] ?? {}, { current: {} });
    const errors = dashboardTypeErrors(broken, 'captcha-cluster-broken').join('\n');
    expect(errors).toMatch(/gridPosition/);
    expect(errors).toMatch(/"several"/);
    expect(errors).toMatch(/missing the following properties[^\n]*text, value/);
  });

  it('parse every dashboard query with promtool', () => {
    expect(promtoolPath(), 'promtool is required: apt-get install prometheus').toBeDefined();
    const rules = dashboardExpressions().map((expr, index) => ({ record: `dashboard:query_${index}`, expr: withoutGrafanaVariables(expr) }));
    const dir = join('test-output', 'promtool');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const check = promtool(['check', 'rules', file]);
    expect(check.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(check.status).toBe(0);
  });

  it('template the dashboard on datasource, namespace and site, with the panels operators need', () => {
    const { templating, panels } = dashboard();
    expect(templating.list.map((variable) => variable.name)).toEqual(['datasource', 'namespace', 'site']);
    const titles = panels.map((panel) => panel.title);
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
